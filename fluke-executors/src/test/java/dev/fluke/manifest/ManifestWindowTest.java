package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ManifestWindowTest {
  private final HclManifestLoader loader = HclManifestLoader.builtin();

  private ManifestSet parse(String window) {
    TreeMap<String, String> files = new TreeMap<>();
    files.put(
        "w.fluke.hcl",
        """
        task "t" {
          selector { match_labels = {} }
        %s
          shell "s" {
            check   = "true"
            command = "true"
          }
        }
        """
            .formatted(window));
    return loader.parse(files);
  }

  private static List<String> errors(ManifestSet set) {
    return set.errors().stream().map(ManifestError::format).toList();
  }

  @Test
  void aWindowBlockBecomesTheTasksWindow() {
    ManifestSet set =
        parse(
            """
              window {
                allow    = ["Sat 02:00-06:00", "Mon-Fri 22:00-23:30"]
                deny     = ["Fri 22:00-23:30"]
                timezone = "Europe/Berlin"
              }
            """);
    assertEquals(List.of(), errors(set));
    Window w = set.tasks().get(0).window().orElseThrow();
    assertEquals("Europe/Berlin", w.zone().getId());
    assertEquals(2, w.allow().size());
    assertTrue(w.isOpen(Instant.parse("2026-12-05T01:30:00Z")));
    assertTrue(w.isOpen(Instant.parse("2026-12-03T21:30:00Z")), "Thursday 22:30 Berlin");
    assertTrue(!w.isOpen(Instant.parse("2026-12-04T21:30:00Z")), "Friday is denied");
  }

  @Test
  void aTaskWithoutAWindowHasNone() {
    ManifestSet set = parse("");
    assertEquals(List.of(), errors(set));
    assertTrue(set.tasks().get(0).window().isEmpty());
  }

  @Test
  void theTimezoneDefaultsToUtc() {
    ManifestSet set = parse("  window { allow = [\"02:00-03:00\"] }");
    assertEquals("UTC", set.tasks().get(0).window().orElseThrow().zone().getId());
  }

  @Test
  void aMalformedEntryIsAnErrorAtTheEntry() {
    ManifestSet set = parse("  window { allow = [\"Sat 02:00-06:00\", \"Sat 2am-6am\"] }");
    List<String> errors = errors(set);
    assertEquals(1, errors.size(), errors.toString());
    // Line 3 of the file, the second element's column.
    assertTrue(errors.get(0).startsWith("w.fluke.hcl:3:40: "), errors.get(0));
    assertTrue(errors.get(0).contains("bad window entry \"Sat 2am-6am\""), errors.get(0));
    assertTrue(errors.get(0).contains("window in task \"t\""), errors.get(0));
    assertTrue(set.tasks().isEmpty());
  }

  @Test
  void anUnknownZoneAnEmptyListAndAnEmptyBlockAreErrors() {
    List<String> zone =
        errors(
            parse("  window {\n    allow = [\"Sat 02:00-06:00\"]\n    timezone = \"Berlin\"\n  }"));
    assertEquals(1, zone.size(), zone.toString());
    assertTrue(
        zone.get(0).startsWith("w.fluke.hcl:5:16: unknown time zone \"Berlin\""), zone.get(0));

    List<String> empty = errors(parse("  window { allow = [] }"));
    assertEquals(1, empty.size(), empty.toString());
    assertTrue(
        empty.get(0).startsWith("w.fluke.hcl:3:20: \"allow\" in window in task \"t\" is empty"),
        empty.get(0));

    List<String> none = errors(parse("  window { timezone = \"UTC\" }"));
    assertEquals(1, none.size(), none.toString());
    assertTrue(
        none.get(0).startsWith("w.fluke.hcl:3:3: window in task \"t\" needs allow or deny"),
        none.get(0));

    List<String> unknown = errors(parse("  window { allows = [\"Sat 02:00-06:00\"] }"));
    assertTrue(unknown.get(0).contains("allows"), unknown.toString());
  }
}

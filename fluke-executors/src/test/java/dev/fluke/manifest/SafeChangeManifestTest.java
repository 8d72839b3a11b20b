package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code depends_on}, {@code drift { max_remediations period }} and {@code rollout { … }}. */
class SafeChangeManifestTest {
  private final HclManifestLoader loader = HclManifestLoader.builtin();

  private ManifestSet parse(String... pathsAndContents) {
    TreeMap<String, String> files = new TreeMap<>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.put(pathsAndContents[i], pathsAndContents[i + 1]);
    }
    return loader.parse(files);
  }

  private static List<String> errors(ManifestSet set) {
    return set.errors().stream().map(ManifestError::format).toList();
  }

  private static String task(String name, String extra) {
    return """
        task "%s" {
          %s
          selector { match_labels = {} }
          shell "s" {
            check   = "true"
            command = "true"
          }
        }
        """
        .formatted(name, extra);
  }

  @Test
  void dependsOnNamesTasksOfAnyFileWhateverTheirOrder() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            task("app", "depends_on = [\"base\", \"users\"]"),
            "b.fluke.hcl",
            task("base", "") + task("users", "depends_on = [\"base\"]"));
    assertEquals(List.of(), errors(set));
    assertEquals(List.of("base", "users"), set.tasks().get(0).dependsOn());
    assertEquals(List.of(), set.tasks().get(1).dependsOn());
  }

  @Test
  void aMissingDependencyIsAnErrorAtItsDependsOn() {
    ManifestSet set = parse("a.fluke.hcl", task("app", "depends_on = [\"db\"]") + task("base", ""));
    assertEquals(
        List.of(
            "a.fluke.hcl:2:16: task \"app\" depends on \"db\", which is not a task of this"
                + " manifest set"),
        errors(set));
  }

  @Test
  void aTaskThatDependsOnItselfIsAnError() {
    ManifestSet set = parse("a.fluke.hcl", task("app", "depends_on = [\"app\"]"));
    assertEquals(
        List.of("a.fluke.hcl:2:16: task \"app\" depends on itself (depends_on)"), errors(set));
  }

  @Test
  void aCycleIsReportedOnceWithItsLoopAtTheFirstTaskDeclared() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            task("a", "depends_on = [\"b\"]"),
            "b.fluke.hcl",
            task("b", "depends_on = [\"c\"]") + task("c", "depends_on = [\"a\"]"));
    assertEquals(
        List.of(
            "a.fluke.hcl:2:16: dependency cycle: a → b → c → a; depends_on must not loop (a task"
                + " waits for its dependencies to be satisfied first)"),
        errors(set));
    assertTrue(set.tasks().isEmpty());
  }

  @Test
  void flapGuardTakesBothValuesOrDefaultsTheMissingOne() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            task("both", "drift {\n max_remediations = 3\n period = \"10m\"\n }")
                + task("count", "drift { max_remediations = 2 }")
                + task("policy", "drift { policy = \"alert_only\" }"));
    assertEquals(List.of(), errors(set));
    assertEquals(
        Optional.of(new FlapLimit(3, Duration.ofMinutes(10))), set.tasks().get(0).flapLimit());
    assertEquals(
        Optional.of(new FlapLimit(2, Duration.ofHours(1))), set.tasks().get(1).flapLimit());
    assertEquals(Optional.empty(), set.tasks().get(2).flapLimit());
    assertEquals(Optional.of(DriftPolicy.ALERT_ONLY), set.tasks().get(2).driftPolicy());
  }

  @Test
  void badFlapGuardValuesAreErrorsWithTheirPosition() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            task("t", "drift {\n max_remediations = 0\n period = \"0s\"\n }")
                + task("u", "drift { period = \"soon\" }"));
    assertEquals(
        List.of(
            "a.fluke.hcl:3:21: \"max_remediations\" in drift in task \"t\" must be a whole number"
                + " from 1 to 1000000, got 0",
            "a.fluke.hcl:4:11: \"period\" in drift in task \"t\" must be > 0",
            "a.fluke.hcl:13:20: bad duration for \"period\" in drift in task \"u\": "
                + errors(parse("x.fluke.hcl", task("x", "drift { period = \"soon\" }")))
                    .get(0)
                    .replaceFirst(".*?\"period\" in drift in task \"x\": ", "")),
        errors(set));
  }

  @Test
  void rolloutHasDefaultsAndReadsPercentOrCountBatches() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            task(
                    "pct",
                    "rollout {\n canary = 2\n batch = \"20%\"\n max_failures = 1\n pause ="
                        + " \"30s\"\n }")
                + task("count", "rollout { batch = \"5\" }")
                + task("none", ""));
    assertEquals(List.of(), errors(set));
    RolloutSpec pct = set.tasks().get(0).rollout().orElseThrow();
    assertEquals(new RolloutSpec(2, 20, 0, 1, Duration.ofSeconds(30)), pct);
    assertEquals(2, pct.batchOf(10));
    assertEquals(1, pct.batchOf(3), "a percentage batch has at least one agent");
    assertEquals(
        new RolloutSpec(1, 0, 5, 0, Duration.ZERO), set.tasks().get(1).rollout().orElseThrow());
    assertEquals(Optional.empty(), set.tasks().get(2).rollout());
  }

  @Test
  void badRolloutValuesAreErrors() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            task("t", "rollout {\n canary = -1\n batch = \"150%\"\n }")
                + task("u", "rollout { batch = \"0\" }"));
    assertEquals(
        List.of(
            "a.fluke.hcl:3:11: \"canary\" in rollout in task \"t\" must be a whole number from 0"
                + " to 1000000, got -1",
            "a.fluke.hcl:4:10: bad \"batch\" in rollout in task \"t\": \"150%\"; expected a"
                + " percentage of the matched agents from \"1%\" to \"100%\", or a number of agents"
                + " such as \"5\"",
            "a.fluke.hcl:13:21: bad \"batch\" in rollout in task \"u\": \"0\"; expected a"
                + " percentage of the matched agents from \"1%\" to \"100%\", or a number of agents"
                + " such as \"5\""),
        errors(set));
  }
}

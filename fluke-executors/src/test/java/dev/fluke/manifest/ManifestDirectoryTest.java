package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HclManifestLoader#load} on real directories. */
class ManifestDirectoryTest {
  private static final String GLOB = "**/*.fluke.hcl";

  @TempDir Path root;

  private final HclManifestLoader loader = HclManifestLoader.builtin();

  private void write(String relative, String content) throws IOException {
    Path file = root.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private static String task(String name) {
    return """
        task "%s" {
          selector { match_labels = {} }
          systemd "s" { unit = "x.service" }
        }
        """
        .formatted(name);
  }

  private static List<String> errors(ManifestSet set) {
    return set.errors().stream().map(ManifestError::format).toList();
  }

  @Test
  void readsMatchingFilesInTheRootAndBelowInPathOrder() throws IOException {
    write("web.fluke.hcl", task("web"));
    write("apps/db.fluke.hcl", task("db"));
    write("apps/api/api.fluke.hcl", task("api"));
    write("apps.fluke.hcl", task("apps"));
    ManifestSet set = loader.load(root, GLOB);
    assertEquals(List.of(), errors(set));
    assertEquals(
        List.of("apps.fluke.hcl", "apps/api/api.fluke.hcl", "apps/db.fluke.hcl", "web.fluke.hcl"),
        set.files());
    assertEquals(
        List.of("apps", "api", "db", "web"), set.tasks().stream().map(TaskSpec::name).toList());
  }

  @Test
  void ignoresOtherFilesAndTheGitDirectory() throws IOException {
    write("web.fluke.hcl", task("web"));
    write("README.md", "not a manifest");
    write("server.hcl", "server {}");
    write("web.fluke.hcl.bak", "garbage {");
    write(".git/refs/x.fluke.hcl", "garbage {");
    ManifestSet set = loader.load(root, GLOB);
    assertEquals(List.of(), errors(set));
    assertEquals(List.of("web.fluke.hcl"), set.files());
  }

  @Test
  void symbolicLinksAreNotFollowed() throws IOException {
    write("web.fluke.hcl", task("web"));
    Path outside = Files.createTempDirectory("outside");
    try {
      Files.writeString(outside.resolve("secret.fluke.hcl"), task("secret"));
      Files.createSymbolicLink(
          root.resolve("linked.fluke.hcl"), outside.resolve("secret.fluke.hcl"));
      Files.createSymbolicLink(root.resolve("linked-dir"), outside);
      ManifestSet set = loader.load(root, GLOB);
      assertEquals(List.of(), errors(set));
      assertEquals(List.of("web.fluke.hcl"), set.files());
    } finally {
      Files.delete(outside.resolve("secret.fluke.hcl"));
      Files.delete(outside);
    }
  }

  @Test
  void aNarrowerGlobLimitsTheSet() throws IOException {
    write("manifests/web.hcl", task("web"));
    write("manifests/deep/db.hcl", task("db"));
    write("other/x.hcl", task("other"));
    ManifestSet set = loader.load(root, "manifests/*.hcl");
    assertEquals(List.of(), errors(set));
    assertEquals(List.of("manifests/web.hcl"), set.files());
  }

  @Test
  void errorsNameFilesRelativeToTheRoot() throws IOException {
    write("apps/web.fluke.hcl", task("web"));
    write("base/web.fluke.hcl", "\n\n" + task("web"));
    ManifestSet set = loader.load(root, GLOB);
    assertEquals(
        List.of(
            "base/web.fluke.hcl:3:1: duplicate task \"web\": already defined at apps/web.fluke.hcl:1:1;"
                + " task names must be unique across all manifest files"),
        errors(set));
    assertEquals(List.of(), set.tasks());
  }

  @Test
  void noMatchingFileIsAnError() throws IOException {
    write("README.md", "nothing here");
    ManifestSet set = loader.load(root, GLOB);
    assertEquals(
        List.of(
            root
                + ":0:0: no manifest files: nothing under "
                + root
                + " matches \"**/*.fluke.hcl\""),
        errors(set));
  }

  @Test
  void aMissingDirectoryIsAnError() {
    Path missing = root.resolve("nope");
    ManifestSet set = loader.load(missing, GLOB);
    assertEquals(
        List.of(
            missing
                + ":0:0: cannot read the manifest directory: java.io.IOException: "
                + missing
                + " is not a directory"),
        errors(set));
  }

  @Test
  void aBadGlobIsAnError() {
    ManifestSet set = loader.load(root, "**/*.{hcl");
    assertEquals(1, set.errors().size());
    assertTrue(
        errors(set).get(0).startsWith(root + ":0:0: bad manifest glob \"**/*.{hcl\": "),
        errors(set).get(0));
  }

  @Test
  void aFileThatIsNotUtf8IsAnErrorAndTheOthersAreStillChecked() throws IOException {
    Files.createDirectories(root);
    Files.write(
        root.resolve("latin1.fluke.hcl"), "# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    write("web.fluke.hcl", "task \"web\" {}\n");
    ManifestSet set = loader.load(root, GLOB);
    assertEquals(
        List.of(
            "latin1.fluke.hcl:1:1: the file is not valid UTF-8",
            "web.fluke.hcl:1:1: missing required block \"selector\" in task \"web\": add selector { … }",
            "web.fluke.hcl:1:1: task \"web\" has no executor block: add at least one of mise, shell, systemd,"
                + " e.g. shell \"name\" { check = \"…\"  command = \"…\" }"),
        errors(set));
    assertEquals(List.of("latin1.fluke.hcl", "web.fluke.hcl"), set.files());
  }
}

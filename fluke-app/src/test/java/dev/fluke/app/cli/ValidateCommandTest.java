package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.testing.TestTools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fluke validate DIR}: the manifest repo's CI gate. */
class ValidateCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    var cli = FlukeCommand.commandLine(Map.of(), Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void theShippedExamplesAreValidAndSummarised() {
    Path examples = TestTools.projectRoot().resolve("conf/examples/manifests");
    assertEquals(0, run("validate", examples.toString()), err.toString());
    String text = out.toString();
    assertTrue(text.startsWith("ok: 3 tasks, 5 executors in 1 file"), text);
    assertTrue(text.contains("demo_app"), text);
    assertTrue(text.contains("shell \"layout\", mise \"deploy\", shell \"smoke\""), text);
    assertTrue(text.contains("alert_only"), text);
  }

  @Test
  void everyErrorIsPrintedWithFileLineColumnAndTheExitCodeIsOne() throws IOException {
    Files.writeString(
        dir.resolve("a.fluke.hcl"),
        """
        task "a" {
          selector { match_labels = { role = "web" } }
          shell "x" {
            check   = "true"
            command = "true"
            colour  = "blue"
          }
        }
        """);
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(
        dir.resolve("sub/b.fluke.hcl"),
        """
        task "b" {
          drift { policy = "sometimes" }
          selector { match_labels = { role = "web" } }
          systemd "app" { unit = "app.service" }
        }
        """);
    assertEquals(1, run("validate", dir.toString()));
    String errors = err.toString();
    assertTrue(errors.contains("a.fluke.hcl:6:5:"), errors);
    assertTrue(errors.contains("colour"), errors);
    assertTrue(errors.contains("sub/b.fluke.hcl:2:"), errors);
    assertTrue(errors.contains("sometimes"), errors);
    assertTrue(errors.contains("2 errors"), errors);
    assertEquals("", out.toString());
  }

  @Test
  void jsonOutputListsErrorsForTools() throws IOException {
    Files.writeString(
        dir.resolve("a.fluke.hcl"), "task \"a\" {\n  selector { match_labels = {} }\n");
    assertEquals(1, run("validate", dir.toString(), "-o", "json"));
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertEquals(false, report.get("ok").asBoolean());
    assertEquals("a.fluke.hcl", report.get("errors").get(0).get("file").asText());
    assertTrue(report.get("errors").get(0).get("line").asInt() >= 1);
  }

  @Test
  void aMegabyteOfBracesPrintsTheFirstHundredErrorsAndTheTotal() throws IOException {
    Files.writeString(dir.resolve("a.fluke.hcl"), "}".repeat(1 << 20));
    assertEquals(1, run("validate", dir.toString()));
    List<String> lines = err.toString().lines().toList();
    assertEquals(102, lines.size(), () -> String.join("\n", lines.subList(0, 5)));
    assertEquals(
        "a.fluke.hcl:1:1: unexpected '}': there is no open block to close here", lines.get(0));
    assertTrue(
        lines.get(100).startsWith("a.fluke.hcl:1:101: too many errors: 1,048,476 more"),
        lines.get(100));
    assertEquals(
        "1,048,576 errors in " + dir + ": the manifest set is rejected whole", lines.get(101));
    assertEquals("", out.toString());
  }

  @Test
  void deepNestingAndHugeValuesAreErrorsNotCrashes() throws IOException {
    Files.writeString(
        dir.resolve("a.fluke.hcl"),
        "locals {\n  deep = "
            + "[".repeat(5_000)
            + "]".repeat(5_000)
            + "\n  wide = format(\"%.999999999f\", 1.5)\n}\n");
    assertEquals(1, run("validate", dir.toString(), "-o", "json"));
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertEquals(2, report.get("total_errors").asInt(), out.toString());
    assertEquals(2, report.get("errors").get(0).get("line").asInt());
    assertTrue(report.get("errors").get(0).get("message").asText().contains("nested too deeply"));
    assertEquals(3, report.get("errors").get(1).get("line").asInt());
    assertTrue(report.get("errors").get(1).get("message").asText().contains("precision 999999999"));
  }

  @Test
  void aMissingDirectoryIsAnError() {
    assertEquals(1, run("validate", dir.resolve("nope").toString()));
    assertTrue(err.toString().contains("not a directory"), err.toString());
  }
}

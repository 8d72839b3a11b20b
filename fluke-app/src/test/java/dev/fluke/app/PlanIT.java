package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.app.cli.FlukeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, "Plan", end to end: a real server, a real agent and a real manifest repository with
 * branches. {@code fluke plan --ref} reports {@code would apply} for a branch's new task and exits
 * 2 without the task's apply having run (the file it would create does not exist); a branch without
 * task changes exits 0; a broken branch exits 1 with {@code file:line}; the state in force never
 * changes.
 */
class PlanIT {
  @TempDir Path tmp;
  private Fleet fleet;

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private record Run(int exit, String out, String err) {}

  private Run fluke(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli =
        FlukeCommand.commandLine(
            Map.of("FLUKE_SERVER", "http://127.0.0.1:" + fleet.server.httpPort()),
            Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String task(String name, Path file) {
    return """
        task "%s" {
          selector { match_labels = { role = "web" } }
          shell "touch" {
            check   = "test -f %s"
            command = "touch %s"
          }
        }
        """
        .formatted(name, file, file);
  }

  private void assertStateInForce(String commit) {
    Dto.ManifestStatus m = fleet.api.manifest().value();
    assertEquals(commit, m.commit(), "the commit in force");
    assertEquals(
        List.of("base"),
        fleet.agent("web-01").orElseThrow().tasks().stream().map(Dto.TaskStatus::task).toList());
    assertEquals("satisfied", fleet.status("web-01", "base"));
  }

  @Test
  void aPlanReportsWhatABranchWouldDoWithoutChangingAHostOrTheStateInForce() throws Exception {
    Path base = tmp.resolve("base-marker");
    Path planned = tmp.resolve("planned-marker");
    fleet = Fleet.start(tmp, Map.of("base.fluke.hcl", task("base", base)), "remediate");
    String main = fleet.repo.resolve("refs/heads/main");
    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "base", "satisfied");
    assertTrue(Files.exists(base), "the task in force was applied");

    fleet.repo.checkoutNewBranch("add-task");
    String addTask =
        fleet.repo.commitFile("new.fluke.hcl", task("newfile", planned), "a task to plan");
    fleet.repo.checkout("main").checkoutNewBranch("docs-only");
    fleet.repo.commitFile("README.md", "only words\n", "docs");
    fleet.repo.checkout("main").checkoutNewBranch("broken");
    fleet.repo.commitFile(
        "broken.fluke.hcl", "task \"x\" {\n  selector {\n", "a manifest that does not parse");
    fleet.repo.checkout("main");

    Run changes = fluke("plan", "--ref", "add-task", "--timeout", "60s");
    assertEquals(2, changes.exit(), changes.out() + changes.err());
    assertTrue(changes.out().contains(": changes"), changes.out());
    assertTrue(
        changes.out().lines().anyMatch(l -> l.matches("newfile\\s+new\\s+web-01\\s+would apply.*")),
        changes.out());
    assertTrue(changes.out().lines().anyMatch(l -> l.matches("web-01\\s+yes\\s+newfile.*")));
    assertFalse(Files.exists(planned), "a plan never applies: the file was not created");
    assertStateInForce(main);

    Run json = fluke("plan", "--ref", addTask.substring(0, 12), "-o", "json");
    assertEquals(2, json.exit(), json.out() + json.err());
    JsonNode plan = new ObjectMapper().readTree(json.out());
    assertEquals("changes", plan.path("verdict").asText());
    assertEquals(addTask, plan.path("commit").asText());
    assertEquals(main, plan.path("in_force").asText());
    JsonNode newTask = plan.path("tasks").get(1);
    assertEquals("newfile", newTask.path("name").asText());
    assertEquals("new", newTask.path("change").asText());
    assertEquals("would_apply", newTask.path("agents").get(0).path("result").asText());

    Run none = fluke("plan", "--ref", "docs-only");
    assertEquals(0, none.exit(), none.out() + none.err());
    assertTrue(none.out().contains(": no change"), none.out());
    assertTrue(none.out().contains("1 task(s) unchanged"), none.out());

    Run broken = fluke("plan", "--ref", "broken");
    assertEquals(1, broken.exit(), broken.out() + broken.err());
    assertTrue(broken.out().contains(": errors"), broken.out());
    assertTrue(broken.out().matches("(?s).*broken\\.fluke\\.hcl:\\d+:\\d+: .*"), broken.out());

    Run unknown = fluke("plan", "--ref", "no-such-branch");
    assertEquals(1, unknown.exit(), unknown.out() + unknown.err());
    assertTrue(unknown.out().contains("no branch, tag or commit 'no-such-branch'"), unknown.out());

    assertFalse(Files.exists(planned), "still not created");
    assertStateInForce(main);
  }
}

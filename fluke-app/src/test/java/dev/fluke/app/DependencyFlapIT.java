package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.manifest.ManifestError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 end to end (real server, real agents, real Git repository, real shell): dependencies
 * order the applies of one cycle and a dependency cycle is rejected with its {@code file:line}; the
 * flap guard stops a task that keeps being undone after N remediations, alerts once, and a manual
 * reconcile resets it.
 */
class DependencyFlapIT {
  @TempDir Path tmp;
  private Fleet fleet;

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private int fluke(String... args) {
    var cli =
        FlukeCommand.commandLine(
            Map.of("FLUKE_SERVER", "http://127.0.0.1:" + fleet.server.httpPort()),
            Clock.systemUTC());
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    return cli.execute(args);
  }

  /** Waits (bounded) until {@code condition} holds. */
  private void until(String what, java.util.function.Supplier<Boolean> condition) {
    Fleet.await(what, Duration.ofSeconds(40), condition, () -> fleet.agent("web-01"));
  }

  private static List<String> lines(Path p) {
    return Fleet.read(p).lines().toList();
  }

  @Test
  void aDependencyOrdersTheAppliesOfACycleAndACycleIsRejectedWithItsFileAndLine() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("host"));
    Path order = dir.resolve("order.log");
    // "app" is declared first but depends on "base": base must be applied before it.
    String manifest =
        """
        task "app" {
          depends_on = ["base"]
          selector { match_labels = { role = "web" } }
          shell "app" {
            check   = "test -f %1$s/app"
            command = "test -f %1$s/base && echo app >> %2$s && touch %1$s/app"
          }
        }
        task "base" {
          selector { match_labels = { role = "web" } }
          shell "base" {
            check   = "test -f %1$s/base"
            command = "echo base >> %2$s && touch %1$s/base"
          }
        }
        """
            .formatted(dir, order);
    fleet = Fleet.start(tmp, Map.of("web.fluke.hcl", manifest), "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "app", "satisfied");
    fleet.awaitStatus("web-01", "base", "satisfied");
    assertEquals(List.of("base", "app"), lines(order), "one cycle, dependency first");
    assertEquals(
        List.of("base"), fleet.api.task("app").value().task().dependsOn(), "shown by the API");

    String good = fleet.api.manifest().value().commit();
    String cyclic =
        """
        task "a" {
          selector { match_labels = {} }
          depends_on = ["b"]
          shell "a" {
            check   = "true"
            command = "true"
          }
        }
        task "b" {
          depends_on = ["a"]
          selector { match_labels = {} }
          shell "b" {
            check   = "true"
            command = "true"
          }
        }
        """;
    String bad = fleet.commit("web.fluke.hcl", cyclic);
    until(
        "the cyclic commit was fetched",
        () -> bad.equals(fleet.api.manifest().value().candidateCommit()));
    Dto.ManifestStatus status = fleet.api.manifest().value();
    assertEquals(good, status.commit(), "the last good manifests stay in force");
    assertEquals(
        List.of(
            "web.fluke.hcl:3:16: dependency cycle: a → b → a; depends_on must not loop (a task"
                + " waits for its dependencies to be satisfied first)"),
        status.errors().stream().map(ManifestError::format).toList());
  }

  @Test
  void aFlappingTaskStopsAfterNRemediationsAlertsOnceAndAManualReconcileResetsIt()
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("host"));
    Path applies = dir.resolve("applies.log");
    // Something on the host undoes the task right after each check that finds it done: the
    // check removes the marker it tests (the verify after an apply passes, the next check fails).
    String manifest =
        """
        task "flappy" {
          selector { match_labels = { role = "web" } }
          drift {
            max_remediations = 2
            period           = "1h"
          }
          shell "marker" {
            check   = "test -f %1$s/m && rm %1$s/m"
            command = "echo applied >> %2$s && touch %1$s/m"
          }
        }
        """
            .formatted(dir, applies);
    fleet = Fleet.start(tmp, Map.of("flappy.fluke.hcl", manifest), "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");

    fleet.awaitStatus("web-01", "flappy", "flapping");
    assertEquals(2, lines(applies).size(), "remediated twice, then held");
    Dto.TaskStatus st = fleet.taskStatus("web-01", "flappy").orElseThrow();
    assertTrue(st.message().startsWith("flapping: remediated 2 time(s) within 1h"), st.message());
    until("one drift_flapping alert", () -> fleet.alerts("drift_flapping").size() == 1);
    var alert = fleet.alerts("drift_flapping").get(0);
    assertEquals("flappy", alert.path("task").asText());
    assertEquals("web-01", alert.path("agent").path("name").asText());
    assertEquals(2, alert.path("max_remediations").asInt());

    // More interval cycles (every 2 s) check it and find it drifted: it stays held, one alert.
    var before = st.lastCheckedAt();
    until(
        "two more checks",
        () -> {
          var now = fleet.taskStatus("web-01", "flappy").orElseThrow().lastCheckedAt();
          return now != null && now.isAfter(before.plusSeconds(3));
        });
    assertEquals(Status.FLAPPING, fleet.taskStatus("web-01", "flappy").orElseThrow().status());
    assertEquals(2, lines(applies).size(), "not remediated while flapping");
    assertEquals(1, fleet.alerts("drift_flapping").size(), "alerted once");
    List<Event> events =
        fleet.api.events(new EventQuery("web-01", "flappy", "flapping", 50)).value();
    assertEquals(1, events.size(), String.valueOf(events));
    assertEquals(1, fleet.api.agents().value().get(0).counts().flapping());

    // A person reconciles it: applied at once, and the guard counts from zero again.
    assertEquals(0, fluke("reconcile", "task", "flappy", "--wait", "--timeout", "60s"));
    until("five applies in all", () -> lines(applies).size() >= 5);
    fleet.awaitStatus("web-01", "flappy", "flapping");
    assertEquals(5, lines(applies).size(), "1 manual + 2 automatic, then held again");
    until("a second drift_flapping alert", () -> fleet.alerts("drift_flapping").size() == 2);
  }
}

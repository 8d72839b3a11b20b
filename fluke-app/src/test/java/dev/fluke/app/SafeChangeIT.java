package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.RedisServerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safe change controls on a real fleet (issue 10): a real server, real agents running real shell
 * checks and applies, a real Git repository of manifests, the CLI in-process, and a real {@code
 * redis-server} for the restart. Suspensions of each scope keep a drifted task checked but not
 * applied, a manual reconcile says so and applies with --force, resuming applies; a suspension
 * survives a restart with Redis; a maintenance window holds an apply back at a fixed clock and lets
 * it through inside; a malformed window is rejected with its file:line:column.
 */
class SafeChangeIT {
  @TempDir Path tmp;
  private Fleet fleet;
  private RedisServerProcess redis;

  @AfterEach
  void stop() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static String markerTask(Path marker, String extra) {
    return """
        task "marker" {
          selector { match_labels = { role = "web" } }
        %s
          shell "file" {
            check   = "test -f %s"
            command = "mkdir -p $(dirname %s) && touch %s"
          }
        }
        """
        .formatted(extra, marker, marker, marker);
  }

  private record Run(int exit, String out, String err) {}

  private Run fluke(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli =
        FlukeCommand.commandLine(
            Map.of("FLUKE_SERVER", "http://127.0.0.1:" + fleet.server.httpPort(), "USER", "carol"),
            Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Waits until a cycle held the task back with a message containing {@code why}. */
  private void awaitHeldBack(String why) {
    await(
        "marker is drifted and held back (" + why + ")",
        Duration.ofSeconds(40),
        () ->
            fleet
                .taskStatus("web-01", "marker")
                .map(t -> t.status().word().equals("drifted") && t.message().contains(why))
                .orElse(false),
        () -> fleet.taskStatus("web-01", "marker"));
  }

  private void awaitApplied(Path marker) {
    fleet.awaitStatus("web-01", "marker", "satisfied");
    assertTrue(Files.exists(marker));
  }

  @Test
  void suspendingEachScopeStopsAppliesAndResumingRestartsThem() throws Exception {
    Path marker = tmp.resolve("host").resolve("marker");
    fleet = Fleet.start(tmp, Map.of("web.fluke.hcl", markerTask(marker, "")), "remediate");

    // Task scope, through the CLI, before the agent ever connects.
    Run suspend = fluke("suspend", "task", "marker", "--reason", "db migration", "--for", "1h");
    assertEquals(0, suspend.exit(), suspend.err());
    assertTrue(suspend.out().contains("task marker is suspended by carol (local)"), suspend.out());
    fleet.startAgent("web-01", "{ role = \"web\" }");
    awaitHeldBack("task marker is suspended by carol (local)");
    assertFalse(Files.exists(marker), "nothing was applied");
    Run drift = fluke("get", "drift");
    assertTrue(drift.out().contains("drifted (suspended)"), drift.out());
    Run list = fluke("get", "suspensions");
    assertTrue(list.out().contains("db migration"), list.out());

    // A manual reconcile says the scope is suspended and applies nothing...
    Dto.ReconcileAccepted manual = fleet.api.reconcile(Dto.ReconcileTarget.task("marker")).value();
    assertTrue(manual.message().contains("add --force"), manual.message());
    awaitHeldBack("a manual reconcile with --force applies it");
    assertFalse(Files.exists(marker));

    // ...and resuming applies it.
    Run resume = fluke("resume", "task", "marker");
    assertEquals(0, resume.exit(), resume.err());
    awaitApplied(marker);

    // Agent scope.
    Files.delete(marker);
    fleet.api.suspend(TargetKind.AGENT, "web-01", "kernel update", null, "dave");
    awaitHeldBack("agent web-01 is suspended by dave");
    assertFalse(Files.exists(marker));
    Run agents = fluke("get", "agents");
    assertTrue(agents.out().contains("connected, suspended"), agents.out());
    fleet.api.resume(TargetKind.AGENT, "web-01");
    awaitApplied(marker);

    // The whole fleet: a forced manual reconcile applies through the suspension.
    Files.delete(marker);
    fleet.api.suspend(TargetKind.ALL, null, "change freeze", null, "erin");
    awaitHeldBack("the fleet is suspended by erin");
    assertFalse(Files.exists(marker));
    Run forced = fluke("reconcile", "task", "marker", "--force", "--wait");
    assertEquals(0, forced.exit(), forced.out() + forced.err());
    assertTrue(Files.exists(marker), "--force applied it");
    Run notSuspended = fluke("resume", "task", "marker");
    assertEquals(1, notSuspended.exit(), "only the fleet is suspended");
    fleet.api.resume(TargetKind.ALL, null);
    assertTrue(fleet.api.suspensions().value().isEmpty());

    // Every change is an event with who and why.
    List<Event> events =
        fleet.api.events(new EventQuery(null, null, null, 200)).value().stream()
            .filter(e -> e.kind().equals("suspension"))
            .toList();
    assertTrue(
        events.stream()
            .anyMatch(e -> e.outcome().equals("suspended") && e.message().contains("db migration")),
        events.toString());
    assertTrue(
        events.stream().anyMatch(e -> e.outcome().equals("resumed") && e.agent().equals("web-01")),
        events.toString());
    assertTrue(
        fleet.api.events(new EventQuery("web-01", null, "blocked", 50)).value().size() > 0,
        "held back applies are events");
  }

  @Test
  void aSuspensionSurvivesAServerRestartWithTheRedisStore() throws Exception {
    redis = RedisServerProcess.start(Files.createDirectories(tmp.resolve("redis")));
    String store =
        """
        event_store {
          backend = "redis"
          redis { url = "%s"  prefix = "safe-test" }
        }
        """
            .formatted(redis.url());
    Path marker = tmp.resolve("host").resolve("marker");
    Map<String, String> manifests = Map.of("web.fluke.hcl", markerTask(marker, ""));
    fleet = Fleet.start(tmp.resolve("first"), manifests, "remediate", "1s", "", store);
    Suspension made =
        fleet
            .api
            .suspend(TargetKind.TASK, "marker", "wait for the DBA", null, "alice")
            .value()
            .suspension();
    fleet.close();

    // The next server process reads the same Redis: the task is still held back.
    fleet = Fleet.start(tmp.resolve("second"), manifests, "remediate", "1s", "", store);
    List<Suspension> restored = fleet.api.suspensions().value();
    assertEquals(1, restored.size(), restored.toString());
    assertEquals(made.since(), restored.get(0).since());
    assertEquals("wait for the DBA", restored.get(0).reason());
    fleet.startAgent("web-01", "{ role = \"web\" }");
    awaitHeldBack("task marker is suspended by alice");
    assertFalse(Files.exists(marker));
    fleet.api.resume(TargetKind.TASK, "marker");
    awaitApplied(marker);
  }

  /** A clock the test moves: the server's engine reads it. */
  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      now = start;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void aWindowHoldsAnApplyBackAtAFixedClockAndLetsItThroughInside() throws Exception {
    // Friday 2026-12-04 12:00 in Berlin; the window is Saturday 02:00-06:00 Berlin time.
    MovableClock clock = new MovableClock(Instant.parse("2026-12-04T11:00:00Z"));
    Path marker = tmp.resolve("host").resolve("marker");
    String window =
        "  window {\n"
            + "    allow    = [\"Sat 02:00-06:00\"]\n"
            + "    timezone = \"Europe/Berlin\"\n"
            + "  }";
    fleet =
        Fleet.start(
            tmp,
            Map.of("web.fluke.hcl", markerTask(marker, window)),
            "remediate",
            "1s",
            "",
            "",
            clock);
    fleet.startAgent("web-01", "{ role = \"web\" }");
    awaitHeldBack("outside its maintenance window");
    assertTrue(
        fleet
            .taskStatus("web-01", "marker")
            .orElseThrow()
            .message()
            .contains("it opens Sat 2026-12-05 02:00 Europe/Berlin"),
        fleet.taskStatus("web-01", "marker").toString());
    assertFalse(Files.exists(marker));
    Dto.WindowStatus status = fleet.api.task("marker").value().window();
    assertFalse(status.open());
    assertEquals(Instant.parse("2026-12-05T01:00:00Z"), status.nextOpening());
    Run describe = fluke("describe", "task", "marker");
    assertTrue(
        describe.out().contains("closed; opens Sat 2026-12-05 02:00 Europe/Berlin"),
        describe.out());

    // Inside the window (Saturday 02:30 Berlin), the next cycle applies.
    clock.now = Instant.parse("2026-12-05T01:30:00Z");
    awaitApplied(marker);
    assertTrue(fleet.api.task("marker").value().window().open());

    // A malformed window is rejected with its file:line:column; the good state stays in force.
    fleet.commit("web.fluke.hcl", markerTask(marker, "  window { allow = [\"Sat 2am-6am\"] }"));
    await(
        "the broken manifest is rejected",
        Duration.ofSeconds(30),
        () -> !fleet.api.manifest().value().errors().isEmpty(),
        () -> fleet.api.manifest().value());
    String error = fleet.api.manifest().value().errors().get(0).toString();
    assertTrue(error.contains("web.fluke.hcl:3:21"), error);
    assertTrue(error.contains("bad window entry \"Sat 2am-6am\""), error);
  }
}

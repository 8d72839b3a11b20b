package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, canary rollout end to end (real server, four real agents, real Git, real shell): a new
 * definition reaches the canary first; its apply fails, so the rollout halts with the rest of the
 * fleet untouched (the file the apply creates exists only on the canary), an alert fires once,
 * {@code fluke get rollout} shows it halted; resuming continues it to the end.
 */
class CanaryRolloutIT {
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
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  private void until(String what, Supplier<Boolean> condition) {
    Fleet.await(what, Duration.ofSeconds(60), condition, () -> fleet.api.rollouts().value());
  }

  private static String manifest(Path dir, String version, String apply) {
    return """
        task "app" {
          selector { match_labels = { role = "web" } }
          rollout {
            canary       = 1
            batch        = "1"
            max_failures = 0
            pause        = "0s"
          }
          shell "deploy" {
            check   = "test -f %1$s/%2$s-$FLUKE_TEST_AGENT"
            command = "touch %1$s/%2$s-$FLUKE_TEST_AGENT && %3$s"
          }
        }
        """
        .formatted(dir, version, apply);
  }

  private Dto.RolloutStatus rollout() {
    return fleet.api.rollout("app").value();
  }

  @Test
  void aCanaryFailureHaltsTheRolloutWithTheRestUntouchedAndResumeContinuesIt() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hosts"));
    List<String> names = List.of("web-01", "web-02", "web-03", "web-04");
    fleet = Fleet.start(tmp, Map.of("app.fluke.hcl", manifest(dir, "v1", "true")), "remediate");
    for (String n : names) {
      fleet.startAgent(n, "{ role = \"web\" }", Fleet.AGENT_TOKEN, Map.of("FLUKE_TEST_AGENT", n));
    }
    for (String n : names) {
      fleet.awaitStatus(n, "app", "satisfied");
    }
    until("the first rollout is done", () -> "done".equals(rollout().state()));

    // v2 fails on the canary only (web-01 is first by name).
    String v2 =
        fleet.commit("app.fluke.hcl", manifest(dir, "v2", "test $FLUKE_TEST_AGENT != web-01"));
    until(
        "the v2 rollout halted",
        () -> v2.equals(rollout().commit()) && "halted".equals(rollout().state()));
    Dto.RolloutStatus halted = rollout();
    assertEquals(List.of("web-01"), halted.failedAgents());
    assertEquals(3, halted.waiting());
    assertTrue(halted.haltedReason().contains("max_failures = 0"), halted.haltedReason());

    // The others are still checked (drift visible) but never applied.
    for (String n : List.of("web-02", "web-03", "web-04")) {
      until(
          n + " shows the halted rollout",
          () ->
              fleet
                  .taskStatus(n, "app")
                  .map(t -> t.message().startsWith("rollout halted"))
                  .orElse(false));
      assertEquals("drifted", fleet.status(n, "app"));
    }
    assertTrue(Files.exists(dir.resolve("v2-web-01")), "the canary applied");
    for (String n : List.of("web-02", "web-03", "web-04")) {
      assertFalse(Files.exists(dir.resolve("v2-" + n)), n + " untouched");
    }
    until("one rollout_halted alert", () -> fleet.alerts("rollout_halted").size() == 1);
    assertEquals("app", fleet.alerts("rollout_halted").get(0).path("task").asText());
    List<Event> events = fleet.api.events(new EventQuery(null, "app", "halted", 10)).value();
    assertEquals(1, events.size(), String.valueOf(events));

    Run get = fluke("get", "rollout", "app");
    assertEquals(0, get.exit(), get.err());
    assertTrue(get.out().contains("halted"), get.out());
    assertTrue(get.out().contains("canary"), get.out());

    // A person resumes it: the batches go on (web-02..04 succeed) and it completes.
    Run resume = fluke("rollout", "resume", "app");
    assertEquals(0, resume.exit(), resume.out() + resume.err());
    until("the v2 rollout is done", () -> "done".equals(rollout().state()));
    for (String n : List.of("web-02", "web-03", "web-04")) {
      fleet.awaitStatus(n, "app", "satisfied");
      assertTrue(Files.exists(dir.resolve("v2-" + n)), n + " applied after the resume");
    }
    assertEquals(1, fleet.alerts("rollout_halted").size(), "alerted once");
    assertEquals(1, fleet.api.events(new EventQuery(null, "app", "resumed", 10)).value().size());
  }
}

package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.bucket;
import static dev.fluke.metrics.MetricSamples.histogram;
import static dev.fluke.metrics.MetricSamples.value;
import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fluke.exec.Outcome;
import dev.fluke.metrics.MetricSamples;
import dev.fluke.protocol.ServerMessage;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the engine's actors feed into {@link FlukeServer#metrics()}, read from its registry as a
 * Prometheus scrape would find it.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerMetricsTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");

  @TempDir Path dir;
  private ServerFixture fx;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
  }

  private void start(String... tasks) {
    fx = new ServerFixture(testKit, ServerFixture.settings(dir, null), tasks);
    fx.awaitInForce("c1");
  }

  private Double value(String name, String... labels) {
    return MetricSamples.value(fx.metrics, name, labels);
  }

  /**
   * Waits until the series {@code name} with {@code labels} shows {@code expected} (the actors
   * update it asynchronously).
   */
  private void expect(double expected, String name, String... labels) {
    eventually(() -> value(name, labels), Double.valueOf(expected)::equals);
  }

  private void expectTasks(
      int pending, int satisfied, int drifted, int applying, int failed, int error) {
    List<Double> want =
        List.of(pending, satisfied, drifted, applying, failed, error).stream()
            .map(Integer::doubleValue)
            .toList();
    eventually(
        () ->
            Stream.of("pending", "satisfied", "drifted", "applying", "failed", "error")
                .map(status -> value("fluke_tasks", "status", status))
                .toList(),
        want::equals);
  }

  @Test
  void aCycleIsCountedStepByStep() {
    start(task("app", null, "shell:deploy", "role=web"));
    assertEquals(1, value("fluke_git_fetches_total", "result", "updated"));
    assertEquals(0, value("fluke_git_fetches_total", "result", "failed"));

    TestAgent agent = fx.connect("web-01", WEB);
    expect(1, "fluke_agents_connected");
    expect(1, "fluke_agent_connections_total");
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    expectTasks(0, 0, 0, 1, 0, 0); // the task is being applied on one agent
    assertEquals(1, value("fluke_steps_total", "phase", "check", "outcome", "drifted"));
    assertNull(value("fluke_steps_total", "phase", "apply", "outcome", "applied"));

    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip();
    // The apply result carries the fresh check, the apply and the verify of the block.
    assertEquals(2, value("fluke_steps_total", "phase", "check", "outcome", "drifted"));
    assertEquals(1, value("fluke_steps_total", "phase", "apply", "outcome", "applied"));
    assertEquals(1, value("fluke_steps_total", "phase", "verify", "outcome", "satisfied"));
    HistogramDataPointSnapshot applies =
        histogram(
            fx.metrics, "fluke_step_duration_seconds", "phase", "apply", "outcome", "applied");
    assertEquals(1, applies.getCount());
    assertEquals(0.012, applies.getSum(), 1e-9);
    assertEquals(1, bucket(applies, 0.05));
    expectTasks(0, 1, 0, 0, 0, 0);
    assertEquals(0, value("fluke_event_store_errors_total"));
  }

  @Test
  void taskStatusesAreSummedOverTheConnectedFleet() {
    start(
        task("app", null, "shell:deploy", "role=web"),
        task("cert", "alert_only", "shell:rotate", "role=web"));
    TestAgent one = fx.connect("web-01", WEB);
    one.reportCheck(
        one.expectCheck("app", "cert"), Map.of("app", Outcome.SATISFIED, "cert", Outcome.DRIFTED));
    one.roundTrip();
    expectTasks(0, 1, 1, 0, 0, 0);

    TestAgent two = fx.connect("web-02", WEB);
    expect(2, "fluke_agents_connected");
    two.reportCheck(
        two.expectCheck("app", "cert"), Map.of("app", Outcome.ERROR, "cert", Outcome.SATISFIED));
    two.roundTrip();
    expectTasks(0, 2, 1, 0, 0, 1);

    // A disconnected agent leaves the connected gauge and the fleet's counts.
    one.in.sendComplete();
    expect(1, "fluke_agents_connected");
    assertEquals(1, value("fluke_agent_disconnections_total"));
    assertEquals(2, value("fluke_agent_connections_total"));
    expectTasks(0, 1, 0, 0, 0, 1);
  }

  @Test
  void gitFetchesAreCountedByResult() {
    start(task("app", null, "shell:deploy", "role=web"));
    fx.server.fetchNow(); // same commit
    expect(1, "fluke_git_fetches_total", "result", "unchanged");

    fx.commit("c2", "error unknown block\n");
    fx.server.fetchNow();
    expect(1, "fluke_git_fetches_total", "result", "rejected");

    fx.git.failWith("connection refused");
    fx.server.fetchNow();
    expect(1, "fluke_git_fetches_total", "result", "failed");
    assertEquals(1, value("fluke_git_fetches_total", "result", "updated"));
  }
}

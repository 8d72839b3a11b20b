package dev.fluke.http.metrics;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.EventStore;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.http.ui.ScriptedFleet;
import dev.fluke.http.ui.TestServer;
import dev.fluke.metrics.FlukeMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@code /metrics} scraped, and {@code /readyz} in each state, on a real server. */
class OpsRoutesIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = new ObjectMapper();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static HttpResponse<String> get(TestServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.base() + path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** What Prometheus sends (OpenMetrics preferred): the answer is the text format all the same. */
  private static final String PROMETHEUS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  /** A sample line: a metric name, maybe labels, one space, a value (no timestamp here). */
  private static final Pattern SAMPLE =
      Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*})? [-+0-9.eEInfNa]+");

  @Test
  void metricsAreScrapedWithoutATokenInThePrometheusTextFormat() throws Exception {
    try (TestServer server = new TestServer(testKit.system(), Set.of("api-token"))) {
      FlukeMetrics m = server.metrics;
      m.agentConnected("web-01");
      m.agentConnected("web-02");
      m.agentDisconnected("web-02");
      m.stepCompleted(Phase.CHECK, Outcome.SATISFIED, Duration.ofMillis(80));
      m.stepCompleted(Phase.CHECK, Outcome.DRIFTED, Duration.ofMillis(1_300));
      m.stepCompleted(Phase.APPLY, Outcome.APPLIED, Duration.ofSeconds(95));
      m.stepCompleted(Phase.APPLY, Outcome.FAILED, Duration.ofHours(2)); // beyond the last bucket
      m.gitFetch(FlukeMetrics.GitFetchResult.UPDATED);
      m.gitFetch(FlukeMetrics.GitFetchResult.UNCHANGED);
      m.snapshotLoaded(Instant.now().minusSeconds(30));
      m.alertDelivery(FlukeMetrics.AlertResult.RETRYING);
      m.eventStoreError();
      m.taskStatusCounts(Map.of("satisfied", 5, "drifted", 1));
      m.webhookReceived("gitlab", FlukeMetrics.WebhookResult.IGNORED);

      HttpResponse<String> r = get(server, "/metrics");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(
          "text/plain; version=0.0.4; charset=utf-8",
          r.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT));

      String body = r.body();
      assertTrue(body.endsWith("\n"), "the exposition ends with a line feed");
      for (String line : body.split("\n")) {
        assertTrue(
            line.startsWith("# HELP ")
                || line.startsWith("# TYPE ")
                || SAMPLE.matcher(line).matches(),
            "neither a HELP, a TYPE nor a sample line: " + line);
      }
      List<String> lines = body.lines().toList();
      for (String expected :
          List.of(
              "fluke_agents_connected 1.0",
              "fluke_agent_connections_total 2.0",
              "fluke_tasks{status=\"drifted\"} 1.0",
              "fluke_tasks{status=\"error\"} 0.0",
              "# HELP fluke_steps_total Executor operations completed, by phase (check, apply,"
                  + " verify) and outcome.",
              "# TYPE fluke_steps_total counter",
              "fluke_steps_total{outcome=\"failed\",phase=\"apply\"} 1.0",
              "# TYPE fluke_step_duration_seconds histogram",
              "fluke_step_duration_seconds_bucket{outcome=\"failed\",phase=\"apply\",le=\"1800.0\"} 0",
              "fluke_step_duration_seconds_bucket{outcome=\"failed\",phase=\"apply\",le=\"+Inf\"} 1",
              "fluke_step_duration_seconds_count{outcome=\"failed\",phase=\"apply\"} 1",
              "fluke_step_duration_seconds_sum{outcome=\"failed\",phase=\"apply\"} 7200.0",
              "fluke_git_fetches_total{result=\"updated\"} 1.0",
              "fluke_alert_deliveries_total{result=\"retrying\"} 1.0",
              "fluke_event_store_errors_total 1.0",
              "fluke_git_webhooks_total{forge=\"gitlab\",result=\"ignored\"} 1.0",
              "# TYPE jvm_memory_used_bytes gauge",
              "# TYPE jvm_threads_current gauge",
              "# TYPE process_cpu_seconds_total counter",
              "# TYPE process_start_time_seconds gauge")) {
        assertTrue(lines.contains(expected), "no line '" + expected + "' in\n" + body);
      }
      String age =
          lines.stream()
              .filter(l -> l.startsWith("fluke_git_snapshot_age_seconds "))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no snapshot age in\n" + body));
      double seconds = Double.parseDouble(age.substring(age.indexOf(' ') + 1));
      assertTrue(seconds >= 30 && seconds < 3600, "snapshot age " + seconds);
    }
  }

  @Test
  void metricsAnswerTheTextFormatToWhatPrometheusAccepts() throws Exception {
    try (TestServer server = new TestServer(testKit.system(), Set.of("api-token"))) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(server.base() + "/metrics"))
                  .header("Accept", PROMETHEUS_ACCEPT)
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(
          r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
          r.headers().toString());
      assertTrue(r.body().contains("\nfluke_agents_connected 0.0\n"), r.body());
      assertFalse(r.body().contains("# EOF"), "not OpenMetrics");
    }
  }

  private static JsonNode check(JsonNode report, String name) {
    for (JsonNode c : report.get("checks")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in " + report);
  }

  private static TestServer withReadiness(
      Supplier<CompletionStage<Optional<String>>> snapshot,
      Supplier<CompletionStage<Boolean>> store)
      throws Exception {
    return new TestServer(
        testKit.system(),
        Set.of("api-token"),
        null,
        new Readiness(snapshot, store, Duration.ofMillis(300)),
        Duration.ofSeconds(15));
  }

  @Test
  void readyWhenASnapshotIsInForceAndTheStoreAnswers() throws Exception {
    try (TestServer server =
        withReadiness(
            () -> CompletableFuture.completedFuture(Optional.of("4be1c9e")),
            () -> CompletableFuture.completedFuture(true))) {
      HttpResponse<String> r = get(server, "/readyz");
      assertEquals(200, r.statusCode(), r.body());
      JsonNode report = mapper.readTree(r.body());
      assertTrue(report.get("ready").asBoolean());
      assertTrue(check(report, "git_snapshot").get("detail").asText().contains("4be1c9e"));
      assertTrue(check(report, "event_store").get("ok").asBoolean());
    }
  }

  @Test
  void notReadyBeforeTheFirstSnapshotWithTheReason() throws Exception {
    try (TestServer server =
        withReadiness(
            () -> CompletableFuture.completedFuture(Optional.empty()),
            () -> CompletableFuture.completedFuture(true))) {
      HttpResponse<String> r = get(server, "/readyz");
      assertEquals(503, r.statusCode(), r.body());
      JsonNode report = mapper.readTree(r.body());
      assertFalse(report.get("ready").asBoolean());
      assertFalse(check(report, "git_snapshot").get("ok").asBoolean());
      assertTrue(
          check(report, "git_snapshot").get("detail").asText().contains("no manifest snapshot"),
          r.body());
      assertTrue(check(report, "event_store").get("ok").asBoolean());
    }
  }

  @Test
  void notReadyWhenTheStoreIsDownFailsOrHangs() throws Exception {
    List<Supplier<CompletionStage<Boolean>>> stores =
        List.of(
            () -> CompletableFuture.completedFuture(false),
            () ->
                CompletableFuture.failedFuture(
                    new IllegalStateException("connection refused: redis:6379")),
            CompletableFuture::new, // never answers
            () -> {
              throw new IllegalStateException("store closed");
            });
    List<String> reasons =
        List.of(
            "not reachable",
            "connection refused: redis:6379",
            "did not answer within 300 ms",
            "store closed");
    for (int i = 0; i < stores.size(); i++) {
      try (TestServer server =
          withReadiness(
              () -> CompletableFuture.completedFuture(Optional.of("4be1c9e")), stores.get(i))) {
        HttpResponse<String> r = get(server, "/readyz");
        assertEquals(503, r.statusCode(), r.body());
        JsonNode store = check(mapper.readTree(r.body()), "event_store");
        assertFalse(store.get("ok").asBoolean());
        assertTrue(store.get("detail").asText().contains(reasons.get(i)), r.body());
      }
    }
  }

  @Test
  void readinessFromTheFleetApiAndAnEventStore() throws Exception {
    ScriptedFleet fleet = new ScriptedFleet();
    boolean[] healthy = {true};
    EventStore store =
        new EventStore() {
          @Override
          public CompletionStage<Void> append(Event event) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<List<Event>> query(EventQuery query) {
            return CompletableFuture.completedFuture(List.of());
          }

          @Override
          public CompletionStage<Boolean> healthy() {
            return CompletableFuture.completedFuture(healthy[0]);
          }
        };
    Readiness readiness = Readiness.of(fleet, store, Duration.ofSeconds(1));
    assertFalse(readiness.check().toCompletableFuture().get().ready(), "no commit yet");
    fleet.manifest(ScriptedFleet.manifestStatus("4be1c9e", "4be1c9e", Instant.now(), List.of(), 1));
    assertTrue(readiness.check().toCompletableFuture().get().ready());
    healthy[0] = false;
    assertFalse(readiness.check().toCompletableFuture().get().ready());
  }
}

package dev.fluke.metrics;

import static dev.fluke.metrics.MetricSamples.bucket;
import static dev.fluke.metrics.MetricSamples.histogram;
import static dev.fluke.metrics.MetricSamples.value;
import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Dto;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FlukeMetricsTest {
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private final FlukeMetrics metrics = new FlukeMetrics(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void connectedAgentsCountEachNameOnce() {
    metrics.agentConnected("web-01");
    metrics.agentConnected("web-02");
    metrics.agentConnected("web-01"); // a reconnect replacing the old session
    assertEquals(2, value(metrics, "fluke_agents_connected"));
    metrics.agentDisconnected("web-01");
    assertEquals(1, value(metrics, "fluke_agents_connected"));
    assertEquals(3, value(metrics, "fluke_agent_connections_total"));
    assertEquals(1, value(metrics, "fluke_agent_disconnections_total"));
  }

  @Test
  void stepsAreCountedAndTimedByPhaseAndOutcome() {
    metrics.stepCompleted(Phase.CHECK, Outcome.DRIFTED, Duration.ofMillis(300));
    metrics.stepCompleted(Phase.APPLY, Outcome.APPLIED, Duration.ofSeconds(42));
    metrics.stepCompleted(Phase.CHECK, Outcome.DRIFTED, Duration.ofMillis(80));
    assertEquals(2, value(metrics, "fluke_steps_total", "phase", "check", "outcome", "drifted"));
    assertNull(value(metrics, "fluke_steps_total", "phase", "apply", "outcome", "failed"));

    HistogramDataPointSnapshot checks =
        histogram(metrics, "fluke_step_duration_seconds", "phase", "check", "outcome", "drifted");
    assertEquals(1, bucket(checks, 0.1));
    assertEquals(2, bucket(checks, 0.5));
    assertEquals(2, checks.getCount());
    HistogramDataPointSnapshot applies =
        histogram(metrics, "fluke_step_duration_seconds", "phase", "apply", "outcome", "applied");
    assertEquals(0, bucket(applies, 30));
    assertEquals(1, bucket(applies, 60));
    assertEquals(42, applies.getSum());
    assertArrayEquals(
        FlukeMetrics.STEP_BUCKETS,
        applies.getClassicBuckets().stream()
            .mapToDouble(b -> b.getUpperBound())
            .filter(Double::isFinite)
            .toArray());
  }

  @Test
  void snapshotAgeIsMeasuredAgainstTheClockAndAbsentBeforeTheFirstLoad() {
    assertNull(value(metrics, "fluke_git_snapshot_age_seconds"));
    assertNull(value(metrics, "fluke_git_snapshot_loaded_timestamp_seconds"));
    assertFalse(metrics.scrape().contains("fluke_git_snapshot_age_seconds"));
    metrics.snapshotLoaded(NOW.minusSeconds(90));
    assertEquals(90, value(metrics, "fluke_git_snapshot_age_seconds"));
    assertEquals(
        NOW.minusSeconds(90).getEpochSecond(),
        value(metrics, "fluke_git_snapshot_loaded_timestamp_seconds"));
  }

  @Test
  void everyResultWordIsPresentFromTheStart() {
    for (String r : new String[] {"updated", "unchanged", "rejected", "failed"}) {
      assertEquals(0, value(metrics, "fluke_git_fetches_total", "result", r), r);
    }
    for (String r : new String[] {"sent", "retrying", "undeliverable"}) {
      assertEquals(0, value(metrics, "fluke_alert_deliveries_total", "result", r), r);
    }
    for (String s : FlukeMetrics.TASK_STATUSES) {
      assertEquals(0, value(metrics, "fluke_tasks", "status", s), s);
    }
    assertEquals(0, value(metrics, "fluke_event_store_errors_total"));
    assertEquals(0, value(metrics, "fluke_live_updates_dropped_total"));
  }

  @Test
  void gitAlertsEventStoreAndWebhooksAreCounted() {
    metrics.gitFetch(FlukeMetrics.GitFetchResult.FAILED);
    metrics.gitFetch(FlukeMetrics.GitFetchResult.FAILED);
    metrics.alertDelivery(FlukeMetrics.AlertResult.SENT);
    metrics.eventStoreError();
    metrics.webhookReceived("github", FlukeMetrics.WebhookResult.REJECTED);
    assertEquals(2, value(metrics, "fluke_git_fetches_total", "result", "failed"));
    assertEquals(1, value(metrics, "fluke_alert_deliveries_total", "result", "sent"));
    assertEquals(1, value(metrics, "fluke_event_store_errors_total"));
    assertEquals(
        1, value(metrics, "fluke_git_webhooks_total", "forge", "github", "result", "rejected"));
  }

  @Test
  void taskStatusCountsReplaceThePreviousOnes() {
    metrics.taskStatusCounts(new Dto.StatusCounts(5, 2, 1, 0, 0, 0));
    assertEquals(2, value(metrics, "fluke_tasks", "status", "drifted"));
    metrics.taskStatusCounts(Map.of("satisfied", 8, "unheard_of", 1));
    assertEquals(0, value(metrics, "fluke_tasks", "status", "drifted"));
    assertEquals(8, value(metrics, "fluke_tasks", "status", "satisfied"));
    assertEquals(1, value(metrics, "fluke_tasks", "status", "unheard_of"));
  }

  @Test
  void liveSubscribersAreReadAtEveryScrapeFromOneHub() {
    assertNull(value(metrics, "fluke_live_subscribers"), "no hub yet");
    int[] subscribers = {3};
    metrics.liveSubscribers(() -> subscribers[0]);
    assertEquals(3, value(metrics, "fluke_live_subscribers"));
    subscribers[0] = 1;
    assertEquals(1, value(metrics, "fluke_live_subscribers"));
    assertThrows(IllegalStateException.class, () -> metrics.liveSubscribers(() -> 7));
    metrics.liveUpdateDropped();
    metrics.liveUpdateDropped();
    assertEquals(2, value(metrics, "fluke_live_updates_dropped_total"));
  }

  /**
   * What a Prometheus server scrapes of Fluke's own metrics: every name, type, help text and label
   * set the hand-written exposition had, spelled as the client library writes them (labels in
   * alphabetical order, values as Java doubles, whole bucket bounds as {@code le="1.0"}).
   */
  @Test
  void theScrapeKeepsEveryFlukeNameTypeHelpAndLabelSet() {
    metrics.liveSubscribers(() -> 2);
    metrics.liveUpdateDropped();
    metrics.agentConnected("web-01");
    metrics.agentConnected("web-02");
    metrics.agentDisconnected("web-02");
    metrics.agentMoved();
    metrics.agentSentOn();
    metrics.agentSentOn();
    metrics.registrationsTooLate();
    metrics.stepCompleted(Phase.APPLY, Outcome.APPLIED, Duration.ofSeconds(42));
    metrics.gitFetch(FlukeMetrics.GitFetchResult.UPDATED);
    metrics.snapshotLoaded(NOW.minusSeconds(90));
    metrics.alertDelivery(FlukeMetrics.AlertResult.SENT);
    metrics.eventStoreError();
    metrics.taskStatusCounts(Map.of("satisfied", 5, "drifted", 1));
    metrics.webhookReceived("github", FlukeMetrics.WebhookResult.TRIGGERED);

    String fluke =
        metrics
            .scrape()
            .lines()
            .filter(
                l ->
                    l.startsWith("fluke_")
                        || l.startsWith("# HELP fluke_")
                        || l.startsWith("# TYPE fluke_"))
            .collect(Collectors.joining("\n", "", "\n"));
    assertEquals(
        """
        # HELP fluke_agent_connections_total Agent connections accepted.
        # TYPE fluke_agent_connections_total counter
        fluke_agent_connections_total 2.0
        # HELP fluke_agent_disconnections_total Agent connections that ended.
        # TYPE fluke_agent_disconnections_total counter
        fluke_agent_disconnections_total 1.0
        # HELP fluke_agent_moves_total Idle agents this node asked to reconnect to another node \
        (cluster rebalancing).
        # TYPE fluke_agent_moves_total counter
        fluke_agent_moves_total 1.0
        # HELP fluke_agent_moves_sent_on_total Agents just moved by another node's rebalancing \
        that this node, holding its share, sent on to another node.
        # TYPE fluke_agent_moves_sent_on_total counter
        fluke_agent_moves_sent_on_total 2.0
        # HELP fluke_agent_registrations_late_total Registrations refused because the server \
        could not answer them in time (overload); the agents retry.
        # TYPE fluke_agent_registrations_late_total counter
        fluke_agent_registrations_late_total 1.0
        # HELP fluke_agents_connected Agents with a live connection to this server.
        # TYPE fluke_agents_connected gauge
        fluke_agents_connected 1.0
        # HELP fluke_alert_deliveries_total Attempts to post drift alerts to alert_webhook, by \
        result (sent, retrying, undeliverable).
        # TYPE fluke_alert_deliveries_total counter
        fluke_alert_deliveries_total{result="retrying"} 0.0
        fluke_alert_deliveries_total{result="sent"} 1.0
        fluke_alert_deliveries_total{result="undeliverable"} 0.0
        # HELP fluke_event_store_errors_total Event store writes or reads that failed.
        # TYPE fluke_event_store_errors_total counter
        fluke_event_store_errors_total 1.0
        # HELP fluke_git_fetches_total Git fetches of the manifest repository, by result \
        (updated, unchanged, rejected, failed).
        # TYPE fluke_git_fetches_total counter
        fluke_git_fetches_total{result="failed"} 0.0
        fluke_git_fetches_total{result="rejected"} 0.0
        fluke_git_fetches_total{result="unchanged"} 0.0
        fluke_git_fetches_total{result="updated"} 1.0
        # HELP fluke_git_snapshot_age_seconds Seconds since the manifest snapshot in force was \
        loaded; absent before the first good load.
        # TYPE fluke_git_snapshot_age_seconds gauge
        fluke_git_snapshot_age_seconds 90.0
        # HELP fluke_git_snapshot_loaded_timestamp_seconds When the manifest snapshot in force \
        was loaded (Unix time); absent before the first good load.
        # TYPE fluke_git_snapshot_loaded_timestamp_seconds gauge
        fluke_git_snapshot_loaded_timestamp_seconds 1.74083031E9
        # HELP fluke_git_webhooks_total Calls to the Git push webhook, by forge and result \
        (triggered, ignored, rejected).
        # TYPE fluke_git_webhooks_total counter
        fluke_git_webhooks_total{forge="github",result="triggered"} 1.0
        # HELP fluke_live_subscribers Live viewers (server-sent event streams) subscribed to the \
        server's updates.
        # TYPE fluke_live_subscribers gauge
        fluke_live_subscribers 2.0
        # HELP fluke_live_updates_dropped_total Live updates not delivered to a viewer because it \
        did not keep up.
        # TYPE fluke_live_updates_dropped_total counter
        fluke_live_updates_dropped_total 1.0
        # HELP fluke_step_duration_seconds How long executor operations took on the agents, by \
        phase and outcome.
        # TYPE fluke_step_duration_seconds histogram
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="0.05"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="0.1"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="0.25"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="0.5"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="1.0"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="2.5"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="5.0"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="10.0"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="30.0"} 0
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="60.0"} 1
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="120.0"} 1
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="300.0"} 1
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="600.0"} 1
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="1800.0"} 1
        fluke_step_duration_seconds_bucket{outcome="applied",phase="apply",le="+Inf"} 1
        fluke_step_duration_seconds_count{outcome="applied",phase="apply"} 1
        fluke_step_duration_seconds_sum{outcome="applied",phase="apply"} 42.0
        # HELP fluke_steps_total Executor operations completed, by phase (check, apply, verify) \
        and outcome.
        # TYPE fluke_steps_total counter
        fluke_steps_total{outcome="applied",phase="apply"} 1.0
        # HELP fluke_tasks Agent/task pairs by their last known status, over the whole fleet.
        # TYPE fluke_tasks gauge
        fluke_tasks{status="applying"} 0.0
        fluke_tasks{status="drifted"} 1.0
        fluke_tasks{status="error"} 0.0
        fluke_tasks{status="failed"} 0.0
        fluke_tasks{status="flapping"} 0.0
        fluke_tasks{status="pending"} 0.0
        fluke_tasks{status="satisfied"} 5.0
        """,
        fluke);
  }

  @Test
  void theJvmAndProcessMetricsAreScrapedBesideFlukesOwn() {
    FlukeMetrics another = new FlukeMetrics();
    for (FlukeMetrics m : List.of(metrics, another)) {
      List<String> types = m.scrape().lines().filter(l -> l.startsWith("# TYPE ")).toList();
      for (String family :
          List.of(
              "jvm_memory_used_bytes gauge",
              "jvm_threads_current gauge",
              "jvm_gc_collection_seconds summary",
              "jvm_classes_currently_loaded gauge",
              "process_cpu_seconds_total counter",
              "process_start_time_seconds gauge",
              "process_resident_memory_bytes gauge",
              "process_open_fds gauge",
              "fluke_agents_connected gauge")) {
        assertTrue(types.contains("# TYPE " + family), family + " in " + types);
      }
      assertEquals(
          1, types.stream().filter(t -> t.startsWith("# TYPE jvm_memory_used_bytes ")).count());
    }
    String start =
        metrics
            .scrape()
            .lines()
            .filter(l -> l.startsWith("process_start_time_seconds "))
            .findFirst()
            .orElseThrow();
    assertEquals(
        ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0,
        Double.parseDouble(start.substring(start.indexOf(' ') + 1)));
    assertTrue(
        metrics.registry().scrape().stream()
            .allMatch(f -> f.getMetadata().getPrometheusName().startsWith("fluke_")),
        "the registry holds this server's metrics only");
  }

  @Test
  void concurrentStepsAreAllCountedWhileScraped() throws Exception {
    int threads = 4;
    int perThread = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Outcome outcome = t % 2 == 0 ? Outcome.SATISFIED : Outcome.DRIFTED;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  metrics.stepCompleted(Phase.CHECK, outcome, Duration.ofMillis(i % 3 * 100));
                  if (i % 1000 == 0) {
                    metrics.scrape(); // scrapes racing with updates must not fail
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    double total = 0;
    for (String outcome : List.of("satisfied", "drifted")) {
      String[] labels = {"phase", "check", "outcome", outcome};
      total += value(metrics, "fluke_steps_total", labels);
      HistogramDataPointSnapshot h = histogram(metrics, "fluke_step_duration_seconds", labels);
      assertEquals(threads / 2 * perThread, h.getCount());
      assertEquals(h.getCount(), bucket(h, Double.POSITIVE_INFINITY));
    }
    assertEquals(threads * perThread, total);
  }
}

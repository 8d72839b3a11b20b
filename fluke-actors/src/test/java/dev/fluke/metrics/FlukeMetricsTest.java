package dev.fluke.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Dto;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlukeMetricsTest {
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private final FlukeMetrics metrics = new FlukeMetrics(Clock.fixed(NOW, ZoneOffset.UTC));

  private String line(String prefix) {
    return metrics
        .scrape()
        .lines()
        .filter(l -> l.startsWith(prefix + " "))
        .findFirst()
        .orElse(null);
  }

  @Test
  void connectedAgentsCountEachNameOnce() {
    metrics.agentConnected("web-01");
    metrics.agentConnected("web-02");
    metrics.agentConnected("web-01"); // a reconnect replacing the old session
    assertEquals("fluke_agents_connected 2", line("fluke_agents_connected"));
    metrics.agentDisconnected("web-01");
    assertEquals("fluke_agents_connected 1", line("fluke_agents_connected"));
    assertEquals("fluke_agent_connections_total 3", line("fluke_agent_connections_total"));
    assertEquals("fluke_agent_disconnections_total 1", line("fluke_agent_disconnections_total"));
  }

  @Test
  void stepsAreCountedAndTimedByPhaseAndOutcome() {
    metrics.stepCompleted(Phase.CHECK, Outcome.DRIFTED, Duration.ofMillis(300));
    metrics.stepCompleted(Phase.APPLY, Outcome.APPLIED, Duration.ofSeconds(42));
    metrics.stepCompleted(Phase.CHECK, Outcome.DRIFTED, Duration.ofMillis(80));
    assertEquals(
        "fluke_steps_total{phase=\"check\",outcome=\"drifted\"} 2",
        line("fluke_steps_total{phase=\"check\",outcome=\"drifted\"}"));
    assertEquals(
        "fluke_step_duration_seconds_bucket{phase=\"check\",outcome=\"drifted\",le=\"0.1\"} 1",
        line("fluke_step_duration_seconds_bucket{phase=\"check\",outcome=\"drifted\",le=\"0.1\"}"));
    assertEquals(
        "fluke_step_duration_seconds_bucket{phase=\"apply\",outcome=\"applied\",le=\"30\"} 0",
        line("fluke_step_duration_seconds_bucket{phase=\"apply\",outcome=\"applied\",le=\"30\"}"));
    assertEquals(
        "fluke_step_duration_seconds_sum{phase=\"apply\",outcome=\"applied\"} 42",
        line("fluke_step_duration_seconds_sum{phase=\"apply\",outcome=\"applied\"}"));
  }

  @Test
  void snapshotAgeIsMeasuredAgainstTheClockAndAbsentBeforeTheFirstLoad() {
    assertNull(line("fluke_git_snapshot_age_seconds"));
    metrics.snapshotLoaded(NOW.minusSeconds(90));
    assertEquals("fluke_git_snapshot_age_seconds 90", line("fluke_git_snapshot_age_seconds"));
    assertEquals(
        "fluke_git_snapshot_loaded_timestamp_seconds " + NOW.minusSeconds(90).getEpochSecond(),
        line("fluke_git_snapshot_loaded_timestamp_seconds"));
  }

  @Test
  void everyResultWordIsPresentFromTheStart() {
    String scrape = metrics.scrape();
    for (String r : new String[] {"updated", "unchanged", "rejected", "failed"}) {
      assertTrue(scrape.contains("fluke_git_fetches_total{result=\"" + r + "\"} 0\n"), r);
    }
    for (String r : new String[] {"sent", "retrying", "undeliverable"}) {
      assertTrue(scrape.contains("fluke_alert_deliveries_total{result=\"" + r + "\"} 0\n"), r);
    }
    for (String s : FlukeMetrics.TASK_STATUSES) {
      assertTrue(scrape.contains("fluke_tasks{status=\"" + s + "\"} 0\n"), s);
    }
    assertEquals("fluke_event_store_errors_total 0", line("fluke_event_store_errors_total"));
  }

  @Test
  void gitAlertsEventStoreAndWebhooksAreCounted() {
    metrics.gitFetch(FlukeMetrics.GitFetchResult.FAILED);
    metrics.gitFetch(FlukeMetrics.GitFetchResult.FAILED);
    metrics.alertDelivery(FlukeMetrics.AlertResult.SENT);
    metrics.eventStoreError();
    metrics.webhookReceived("github", FlukeMetrics.WebhookResult.REJECTED);
    assertEquals(
        "fluke_git_fetches_total{result=\"failed\"} 2",
        line("fluke_git_fetches_total{result=\"failed\"}"));
    assertEquals(
        "fluke_alert_deliveries_total{result=\"sent\"} 1",
        line("fluke_alert_deliveries_total{result=\"sent\"}"));
    assertEquals("fluke_event_store_errors_total 1", line("fluke_event_store_errors_total"));
    assertEquals(
        "fluke_git_webhooks_total{forge=\"github\",result=\"rejected\"} 1",
        line("fluke_git_webhooks_total{forge=\"github\",result=\"rejected\"}"));
  }

  @Test
  void taskStatusCountsReplaceThePreviousOnes() {
    metrics.taskStatusCounts(new Dto.StatusCounts(5, 2, 1, 0, 0, 0));
    assertEquals("fluke_tasks{status=\"drifted\"} 2", line("fluke_tasks{status=\"drifted\"}"));
    metrics.taskStatusCounts(Map.of("satisfied", 8));
    assertEquals("fluke_tasks{status=\"drifted\"} 0", line("fluke_tasks{status=\"drifted\"}"));
    assertEquals("fluke_tasks{status=\"satisfied\"} 8", line("fluke_tasks{status=\"satisfied\"}"));
  }
}

package dev.fluke.metrics;

import dev.fluke.api.Dto;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server's metrics, named for what happens in the fleet, so the actors call one method per
 * occurrence and never deal with metric names or labels. One instance per server, shared by every
 * actor (all methods are thread-safe and cheap: an adder increment, no lock, no allocation on the
 * hot paths); {@code /metrics} renders {@link #scrape()}.
 *
 * <p>Labels stay low-cardinality on purpose: phases, outcomes and results are fixed word lists;
 * agent and task names never become labels (a fleet of thousands of hosts would make thousands of
 * series per metric). Per-agent detail is in the JSON API.
 */
public final class FlukeMetrics {
  /**
   * Upper bounds (seconds) for check/apply durations: quick checks to apply runs of many minutes.
   */
  static final double[] STEP_BUCKETS = {
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800
  };

  /**
   * The statuses of {@link Dto.StatusCounts}, always all written so a status that drops to zero
   * shows 0.
   */
  static final String[] TASK_STATUSES = {
    "pending", "satisfied", "drifted", "applying", "failed", "error"
  };

  /** What one Git poll (or webhook-triggered fetch) ended with. */
  public enum GitFetchResult {
    /** A new commit was fetched and its manifests are now in force. */
    UPDATED,
    /** Nothing new on the branch. */
    UNCHANGED,
    /**
     * A new commit was fetched but its manifests have errors: the last good snapshot stays in
     * force.
     */
    REJECTED,
    /** The fetch itself failed (network, auth, missing branch). */
    FAILED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What one attempt to post an alert to {@code alert_webhook} ended with. */
  public enum AlertResult {
    /** The webhook answered 2xx. */
    SENT,
    /** The attempt failed and will be retried with backoff. */
    RETRYING,
    /**
     * Every retry failed: the alert is given up (and recorded as an {@code undeliverable} event).
     */
    UNDELIVERABLE;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a call to the Git push webhook ended with. */
  public enum WebhookResult {
    /** A correctly signed push to the watched branch: a fetch was started. */
    TRIGGERED,
    /** Correctly signed but not a push to the watched branch (another branch, a tag, a ping). */
    IGNORED,
    /** Unsigned or wrongly signed: refused with 401, nothing triggered. */
    REJECTED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final MetricRegistry registry = new MetricRegistry();
  private final Clock clock;
  private final Set<String> connectedAgents = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Instant> snapshotLoadedAt = new AtomicReference<>();

  private final Counter.Child connects;
  private final Counter.Child disconnects;
  private final Counter.Child lateRegistrations;
  private final Gauge tasks;
  private final Counter steps;
  private final Histogram stepDurations;
  private final Counter gitFetches;
  private final Counter alertDeliveries;
  private final Counter.Child eventStoreErrors;
  private final Counter webhooks;

  public FlukeMetrics() {
    this(Clock.systemUTC());
  }

  /**
   * @param clock the time the snapshot age is measured against (a fixed clock in tests)
   */
  public FlukeMetrics(Clock clock) {
    this.clock = clock;
    registry.gauge(
        "fluke_agents_connected",
        "Agents with a live connection to this server.",
        () -> connectedAgents.size());
    connects =
        registry.counter("fluke_agent_connections_total", "Agent connections accepted.").labels();
    disconnects =
        registry
            .counter("fluke_agent_disconnections_total", "Agent connections that ended.")
            .labels();
    lateRegistrations =
        registry
            .counter(
                "fluke_agent_registrations_late_total",
                "Registrations refused because the server could not answer them in time (overload); the agents retry.")
            .labels();
    tasks =
        registry.gauge(
            "fluke_tasks",
            "Agent/task pairs by their last known status, over the whole fleet.",
            "status");
    for (String status : TASK_STATUSES) {
      tasks.labels(status).set(0);
    }
    steps =
        registry.counter(
            "fluke_steps_total",
            "Executor operations completed, by phase (check, apply, verify) and outcome.",
            "phase",
            "outcome");
    stepDurations =
        registry.histogram(
            "fluke_step_duration_seconds",
            "How long executor operations took on the agents, by phase and outcome.",
            STEP_BUCKETS,
            "phase",
            "outcome");
    gitFetches =
        registry.counter(
            "fluke_git_fetches_total",
            "Git fetches of the manifest repository, by result (updated, unchanged, rejected, failed).",
            "result");
    for (GitFetchResult r : GitFetchResult.values()) {
      gitFetches.labels(r.label());
    }
    registry.gauge(
        "fluke_git_snapshot_loaded_timestamp_seconds",
        "When the manifest snapshot in force was loaded (Unix time); absent before the first good load.",
        () -> snapshotSeconds(false));
    registry.gauge(
        "fluke_git_snapshot_age_seconds",
        "Seconds since the manifest snapshot in force was loaded; absent before the first good load.",
        () -> snapshotSeconds(true));
    alertDeliveries =
        registry.counter(
            "fluke_alert_deliveries_total",
            "Attempts to post drift alerts to alert_webhook, by result (sent, retrying, undeliverable).",
            "result");
    for (AlertResult r : AlertResult.values()) {
      alertDeliveries.labels(r.label());
    }
    eventStoreErrors =
        registry
            .counter("fluke_event_store_errors_total", "Event store writes or reads that failed.")
            .labels();
    webhooks =
        registry.counter(
            "fluke_git_webhooks_total",
            "Calls to the Git push webhook, by forge and result (triggered, ignored, rejected).",
            "forge",
            "result");
    registry.gauge(
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch in seconds.",
        FlukeMetrics::processStartSeconds);
  }

  /** The registry, for components that add metrics of their own. */
  public MetricRegistry registry() {
    return registry;
  }

  /** Every metric in the Prometheus text format 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * An agent's session started (call it when the session registers). Idempotent per name, so a
   * reconnect that replaces a session before the old one ended is not counted twice in the gauge.
   */
  public void agentConnected(String agent) {
    connects.inc();
    connectedAgents.add(agent);
  }

  /** A registration came too late to be answered (see {@code AgentRegistry.Connect}). */
  public void registrationsTooLate() {
    lateRegistrations.inc();
  }

  /** An agent's session ended. */
  public void agentDisconnected(String agent) {
    disconnects.inc();
    connectedAgents.remove(agent);
  }

  /**
   * One executor operation reported by an agent (each executor of each task counts once per phase).
   */
  public void stepCompleted(Phase phase, Outcome outcome, Duration duration) {
    String p = phase.wireName();
    String o = outcome.wireName();
    steps.labels(p, o).inc();
    stepDurations.labels(p, o).observe(duration.toNanos() / 1e9);
  }

  /** One fetch of the manifest repository ended. */
  public void gitFetch(GitFetchResult result) {
    gitFetches.labels(result.label()).inc();
  }

  /**
   * A manifest snapshot came into force; {@code fluke_git_snapshot_age_seconds} counts from here.
   */
  public void snapshotLoaded(Instant loadedAt) {
    snapshotLoadedAt.set(loadedAt);
  }

  /** One alert delivery attempt ended. */
  public void alertDelivery(AlertResult result) {
    alertDeliveries.labels(result.label()).inc();
  }

  /** An event could not be written to or read from the event store. */
  public void eventStoreError() {
    eventStoreErrors.inc();
  }

  /**
   * The fleet's agent/task pairs by status, as a whole (e.g. the sum of every agent's counts).
   * Statuses missing from the map are set to zero; unknown statuses are added as they come.
   */
  public void taskStatusCounts(Map<String, Integer> countsByStatus) {
    for (String status : TASK_STATUSES) {
      tasks.labels(status).set(countsByStatus.getOrDefault(status, 0));
    }
    countsByStatus.forEach((status, count) -> tasks.labels(status).set(count));
  }

  /** Same, from the API's counts record (e.g. the sum over {@code FleetApi.agents()}). */
  public void taskStatusCounts(Dto.StatusCounts counts) {
    taskStatusCounts(
        Map.of(
            "pending", counts.pending(),
            "satisfied", counts.satisfied(),
            "drifted", counts.drifted(),
            "applying", counts.applying(),
            "failed", counts.failed(),
            "error", counts.error()));
  }

  /**
   * A call to the Git push webhook; {@code forge} is {@code github}, {@code gitea}, {@code gitlab}
   * or {@code unknown}.
   */
  public void webhookReceived(String forge, WebhookResult result) {
    webhooks.labels(forge, result.label()).inc();
  }

  private double snapshotSeconds(boolean age) {
    Instant loaded = snapshotLoadedAt.get();
    if (loaded == null) {
      return Double.NaN;
    }
    if (!age) {
      return loaded.toEpochMilli() / 1000.0;
    }
    return Math.max(0, Duration.between(loaded, clock.instant()).toMillis() / 1000.0);
  }

  private static double processStartSeconds() {
    return ProcessHandle.current()
        .info()
        .startInstant()
        .map(i -> i.toEpochMilli() / 1000.0)
        .orElse(Double.NaN);
  }
}

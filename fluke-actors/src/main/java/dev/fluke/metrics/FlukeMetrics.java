package dev.fluke.metrics;

import dev.fluke.api.Dto;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * The server's metrics, named for what happens in the fleet, so the actors call one method per
 * occurrence and never deal with metric names or labels. One instance per server, shared by every
 * actor; all methods are thread-safe and cheap (lock-free updates, no blocking). {@code /metrics}
 * renders {@link #scrape()}.
 *
 * <p>Built on the Prometheus Java client 1.x: this server's {@code fluke_*} metrics live in {@link
 * #registry()}, the JVM's and the process's ({@code jvm_*}, {@code process_*}, from the client's
 * {@code JvmMetrics}) in one registry per process, and the client's own writer renders both in the
 * Prometheus text format 0.0.4.
 *
 * <p>Labels stay low-cardinality on purpose: phases, outcomes and results are fixed word lists;
 * agent and task names never become labels (a fleet of thousands of hosts would make thousands of
 * series per metric). Per-agent detail is in the JSON API.
 */
public final class FlukeMetrics {
  /** The {@code Content-Type} of {@link #scrape()}: the Prometheus text format 0.0.4. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

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
    "pending", "satisfied", "drifted", "applying", "failed", "error", "flapping"
  };

  private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

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

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Clock clock;
  private final Set<String> connectedAgents = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Instant> snapshotLoadedAt = new AtomicReference<>();
  private final AtomicReference<IntSupplier> liveSubscribers = new AtomicReference<>();

  private final Counter connects;
  private final Counter disconnects;
  private final Counter moves;
  private final Counter movesSentOn;
  private final Counter lateRegistrations;
  private final Gauge tasks;
  private final Counter steps;
  private final Histogram stepDurations;
  private final Counter gitFetches;
  private final Counter alertDeliveries;
  private final Counter eventStoreErrors;
  private final Counter webhooks;
  private final Counter liveUpdatesDropped;

  public FlukeMetrics() {
    this(Clock.systemUTC());
  }

  /**
   * @param clock the time the snapshot age is measured against (a fixed clock in tests)
   */
  public FlukeMetrics(Clock clock) {
    this.clock = clock;
    GaugeWithCallback.builder()
        .name("fluke_agents_connected")
        .help("Agents with a live connection to this server.")
        .callback(gauge -> gauge.call(connectedAgents.size()))
        .register(registry);
    connects = counter("fluke_agent_connections_total", "Agent connections accepted.");
    disconnects = counter("fluke_agent_disconnections_total", "Agent connections that ended.");
    moves =
        counter(
            "fluke_agent_moves_total",
            "Idle agents this node asked to reconnect to another node (cluster rebalancing).");
    movesSentOn =
        counter(
            "fluke_agent_moves_sent_on_total",
            "Agents just moved by another node's rebalancing that this node, holding its share,"
                + " sent on to another node.");
    lateRegistrations =
        counter(
            "fluke_agent_registrations_late_total",
            "Registrations refused because the server could not answer them in time (overload);"
                + " the agents retry.");
    tasks =
        Gauge.builder()
            .name("fluke_tasks")
            .help("Agent/task pairs by their last known status, over the whole fleet.")
            .labelNames("status")
            .register(registry);
    for (String status : TASK_STATUSES) {
      tasks.labelValues(status).set(0);
    }
    steps =
        counter(
            "fluke_steps_total",
            "Executor operations completed, by phase (check, apply, verify) and outcome.",
            "phase",
            "outcome");
    stepDurations =
        Histogram.builder()
            .name("fluke_step_duration_seconds")
            .help("How long executor operations took on the agents, by phase and outcome.")
            .labelNames("phase", "outcome")
            .classicOnly()
            .classicUpperBounds(STEP_BUCKETS)
            .withoutExemplars()
            .register(registry);
    gitFetches =
        counter(
            "fluke_git_fetches_total",
            "Git fetches of the manifest repository, by result (updated, unchanged, rejected,"
                + " failed).",
            "result");
    for (GitFetchResult r : GitFetchResult.values()) {
      gitFetches.labelValues(r.label());
    }
    GaugeWithCallback.builder()
        .name("fluke_git_snapshot_loaded_timestamp_seconds")
        .help(
            "When the manifest snapshot in force was loaded (Unix time); absent before the first"
                + " good load.")
        .callback(
            gauge -> {
              Instant loaded = snapshotLoadedAt.get();
              if (loaded != null) {
                gauge.call(loaded.toEpochMilli() / 1000.0);
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("fluke_git_snapshot_age_seconds")
        .help(
            "Seconds since the manifest snapshot in force was loaded; absent before the first good"
                + " load.")
        .callback(
            gauge -> {
              Instant loaded = snapshotLoadedAt.get();
              if (loaded != null) {
                gauge.call(
                    Math.max(0, Duration.between(loaded, clock.instant()).toMillis() / 1000.0));
              }
            })
        .register(registry);
    alertDeliveries =
        counter(
            "fluke_alert_deliveries_total",
            "Attempts to post drift alerts to alert_webhook, by result (sent, retrying,"
                + " undeliverable).",
            "result");
    for (AlertResult r : AlertResult.values()) {
      alertDeliveries.labelValues(r.label());
    }
    eventStoreErrors =
        counter("fluke_event_store_errors_total", "Event store writes or reads that failed.");
    webhooks =
        counter(
            "fluke_git_webhooks_total",
            "Calls to the Git push webhook, by forge and result (triggered, ignored, rejected).",
            "forge",
            "result");
    GaugeWithCallback.builder()
        .name("fluke_live_subscribers")
        .help("Live viewers (server-sent event streams) subscribed to the server's updates.")
        .callback(
            gauge -> {
              IntSupplier count = liveSubscribers.get();
              if (count != null) {
                gauge.call(count.getAsInt());
              }
            })
        .register(registry);
    liveUpdatesDropped =
        counter(
            "fluke_live_updates_dropped_total",
            "Live updates not delivered to a viewer because it did not keep up.");
  }

  private Counter counter(String name, String help, String... labelNames) {
    return Counter.builder()
        .name(name)
        .help(help)
        .labelNames(labelNames)
        .withoutExemplars()
        .register(registry);
  }

  /**
   * This server's {@code fluke_*} metrics (the JVM and process metrics are not in it): where a
   * component registers metrics of its own, and where tests read values from.
   */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** What {@link #scrape()} writes: this server's metrics, then the JVM's and the process's. */
  public MetricSnapshots snapshots() {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    registry.scrape().forEach(all::metricSnapshot);
    ProcessWide.REGISTRY.scrape().forEach(all::metricSnapshot);
    return all.build();
  }

  /** Every metric in the Prometheus text format 0.0.4 ({@link #CONTENT_TYPE}). */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      TEXT.write(out, snapshots());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toString(StandardCharsets.UTF_8);
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

  /** An idle agent was asked to reconnect to another node (cluster rebalancing). */
  public void agentMoved() {
    moves.inc();
  }

  /** An agent just moved by rebalancing was sent on: this node holds its share. */
  public void agentSentOn() {
    movesSentOn.inc();
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
    steps.labelValues(p, o).inc();
    stepDurations.labelValues(p, o).observe(duration.toNanos() / 1e9);
  }

  /** One fetch of the manifest repository ended. */
  public void gitFetch(GitFetchResult result) {
    gitFetches.labelValues(result.label()).inc();
  }

  /**
   * A manifest snapshot came into force; {@code fluke_git_snapshot_age_seconds} counts from here.
   */
  public void snapshotLoaded(Instant loadedAt) {
    snapshotLoadedAt.set(loadedAt);
  }

  /** One alert delivery attempt ended. */
  public void alertDelivery(AlertResult result) {
    alertDeliveries.labelValues(result.label()).inc();
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
      tasks.labelValues(status).set(countsByStatus.getOrDefault(status, 0));
    }
    countsByStatus.forEach((status, count) -> tasks.labelValues(status).set(count));
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
            "error", counts.error(),
            "flapping", counts.flapping()));
  }

  /**
   * A call to the Git push webhook; {@code forge} is {@code github}, {@code gitea}, {@code gitlab}
   * or {@code unknown}.
   */
  public void webhookReceived(String forge, WebhookResult result) {
    webhooks.labelValues(forge, result.label()).inc();
  }

  /**
   * Where {@code fluke_live_subscribers} is read from at every scrape: the server's live hub (one
   * hub per metrics instance); absent from the scrape until it is set.
   *
   * @throws IllegalStateException when a hub was already set
   */
  public void liveSubscribers(IntSupplier subscribers) {
    if (!liveSubscribers.compareAndSet(null, subscribers)) {
      throw new IllegalStateException("the live subscribers of these metrics are already counted");
    }
  }

  /** A live update was not delivered to a viewer because its buffer was full. */
  public void liveUpdateDropped() {
    liveUpdatesDropped.inc();
  }

  /**
   * The JVM's and the process's metrics ({@code jvm_*}, {@code process_*}): facts about the one
   * process, so registered once, on first use, in a registry of their own that every {@code
   * FlukeMetrics} scrapes beside its own. (The client's {@code JvmMetrics} keeps every registry it
   * was registered with, and adds GC listeners for each: once per process, not once per server.)
   */
  private static final class ProcessWide {
    static final PrometheusRegistry REGISTRY = new PrometheusRegistry();

    static {
      JvmMetrics.builder().register(REGISTRY);
    }
  }
}

package dev.fluke.server;

import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.metrics.FlukeMetrics.AlertResult;
import java.time.Clock;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The alert path of the drift policies (SPEC §1, §6): POSTs {@code drift_detected} and {@code
 * drift_remediated} as JSON to the alert webhook, at most once each per drift episode of an (agent,
 * task) pair. An episode opens with the first alert and ends when the task is seen satisfied again
 * ({@link EpisodeEnded}); episodes live here rather than in the agent's session, so an agent that
 * reconnects does not alert twice for the same drift.
 *
 * <p>Delivery uses the JDK {@link HttpClient} asynchronously; a failed POST (non-2xx, timeout,
 * refused) is retried with backoff up to the configured attempts. The outcome of every alert is an
 * event, and every attempt is counted in {@code fluke_alert_deliveries_total} (sent, retrying,
 * undeliverable; an alert dropped because too many wait counts as undeliverable; with no webhook
 * configured nothing is attempted and nothing is counted).
 */
public final class DriftAlerter extends AbstractBehavior<DriftAlerter.Command> {

  public sealed interface Command {}

  /** Drift seen under {@code alert_only}: announce it once per episode. */
  public record DriftDetected(
      String agent,
      Map<String, String> labels,
      String task,
      DriftPolicy policy,
      String remediationStatus)
      implements Command {}

  /**
   * An automatic or manual apply of a {@code remediate_and_alert} task ended: announce it once per
   * episode.
   */
  public record DriftRemediated(
      String agent, Map<String, String> labels, String task, DriftPolicy policy, String outcome)
      implements Command {}

  /**
   * An alert whose "once" is kept by its sender: {@code drift_flapping} (the agent's flap guard)
   * and {@code rollout_halted} (the task's rollout; {@code agent} null). {@code details} are added
   * to the JSON body after the envelope.
   */
  public record Announce(
      String kind,
      String agent,
      Map<String, String> labels,
      String task,
      Map<String, Object> details)
      implements Command {}

  /** The task was seen satisfied on the agent: its drift episode, if any, is over. */
  public record EpisodeEnded(String agent, String task) implements Command {}

  /**
   * The server stops (coordinated shutdown): every alert waiting for a retry is posted now, and
   * retried at {@code backoff-min} until delivered or given up; {@code replyTo} hears when none is
   * left. Alerts waiting for a retry were lost with the process: 30 of 3,000 in one 1,000-agent
   * rolling restart (docs/performance.md).
   */
  public record Flush(ActorRef<Done> replyTo) implements Command {}

  private record Attempted(long id, int status, String error) implements Command {}

  private record Retry(long id) implements Command {}

  private final ServerSettings.Alerts settings;
  private final EventStore events;
  private final FlukeMetrics metrics;
  private final TimerScheduler<Command> timers;
  private final AlertWebhook webhook;
  private final Clock clock;
  private final EpisodeBook episodes;
  private final AlertQueue queue = new AlertQueue();

  public static Behavior<Command> create(
      ServerSettings.Alerts settings,
      String version,
      EventStore events,
      FlukeMetrics metrics,
      Clock clock) {
    return create(
        settings, version, events, metrics, clock, new DriftEpisodes(settings.maxOpenEpisodes()));
  }

  /**
   * An alerter whose episodes are kept in {@code episodes} (cluster mode: cluster-wide); a
   * restarted alerter keeps the same book.
   */
  public static Behavior<Command> create(
      ServerSettings.Alerts settings,
      String version,
      EventStore events,
      FlukeMetrics metrics,
      Clock clock,
      EpisodeBook episodes) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new DriftAlerter(
                        ctx, timers, settings, version, events, metrics, clock, episodes)));
  }

  private DriftAlerter(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ServerSettings.Alerts settings,
      String version,
      EventStore events,
      FlukeMetrics metrics,
      Clock clock,
      EpisodeBook episodes) {
    super(context);
    this.metrics = metrics;
    this.clock = clock;
    this.settings = settings;
    this.episodes = episodes;
    this.events = events;
    this.timers = timers;
    this.webhook = new AlertWebhook(settings, version, Blocking.executor(context.getSystem()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(DriftDetected.class, this::onDriftDetected)
        .onMessage(DriftRemediated.class, this::onDriftRemediated)
        .onMessage(EpisodeEnded.class, this::onEpisodeEnded)
        .onMessage(Announce.class, this::onAnnounce)
        .onMessage(Attempted.class, this::onAttempted)
        .onMessage(Retry.class, this::onRetry)
        .onMessage(Flush.class, this::onFlush)
        .build();
  }

  private Behavior<Command> onDriftDetected(DriftDetected d) {
    if (!episodes.detected(d.agent(), d.task())) {
      return this; // already announced in this episode
    }
    enqueue(
        "drift_detected", d.agent(), d.task(), AlertBodies.driftDetected(id(), d, clock.instant()));
    return this;
  }

  private Behavior<Command> onDriftRemediated(DriftRemediated d) {
    if (!episodes.remediated(d.agent(), d.task())) {
      return this;
    }
    enqueue(
        "drift_remediated",
        d.agent(),
        d.task(),
        AlertBodies.driftRemediated(id(), d, clock.instant()));
    return this;
  }

  private Behavior<Command> onAnnounce(Announce a) {
    enqueue(a.kind(), a.agent(), a.task(), AlertBodies.announcement(id(), a, clock.instant()));
    return this;
  }

  /** A new alert's {@code id}: random, the same on every retry of its delivery. */
  private static String id() {
    return java.util.UUID.randomUUID().toString();
  }

  private Behavior<Command> onEpisodeEnded(EpisodeEnded e) {
    episodes.end(e.agent(), e.task());
    return this;
  }

  private void enqueue(String kind, String agent, String task, String json) {
    if (settings.webhook() == null) {
      record(
          kind, agent, task, "undeliverable", kind + " not sent: no alert_webhook is configured");
      return;
    }
    if (queue.size() >= settings.maxPending()) {
      metrics.alertDelivery(AlertResult.UNDELIVERABLE);
      record(
          kind,
          agent,
          task,
          "undeliverable",
          kind + " dropped: " + queue.size() + " alerts are already waiting for the webhook");
      return;
    }
    long id = queue.add(kind, agent, task, json);
    post(id, queue.get(id));
  }

  private void post(long id, AlertQueue.Delivery d) {
    getContext()
        .pipeToSelf(
            webhook.post(d.json()),
            (outcome, failure) -> new Attempted(id, outcome.status(), outcome.error()));
  }

  private Behavior<Command> onAttempted(Attempted a) {
    AlertQueue.Delivery d = queue.get(a.id());
    if (d == null) {
      return this;
    }
    String where = settings.webhook().getHost();
    if (a.status() >= 200 && a.status() < 300) {
      metrics.alertDelivery(AlertResult.SENT);
      String sent = "%s delivered to %s (HTTP %d, attempt %d)";
      record(d, "sent", sent.formatted(d.kind(), where, a.status(), d.attempt()));
      queue.done(a.id());
      return this;
    }
    String why = a.error() != null ? a.error() : "HTTP " + a.status();
    if (d.attempt() >= settings.attempts()) {
      metrics.alertDelivery(AlertResult.UNDELIVERABLE);
      getContext()
          .getLog()
          .warn(
              "{} for {} / {} could not be delivered to {}: {}",
              d.kind(),
              d.agent(),
              d.task(),
              where,
              why);
      String lost = "%s not delivered to %s after %d attempts: %s";
      record(d, "undeliverable", lost.formatted(d.kind(), where, d.attempt(), why));
      queue.done(a.id());
      return this;
    }
    queue.failed(a.id());
    metrics.alertDelivery(AlertResult.RETRYING);
    timers.startSingleTimer(
        a.id(),
        new Retry(a.id()),
        !queue.flushing()
            ? Backoff.delay(d.attempt(), settings.backoffMin(), settings.backoffMax())
            : settings.backoffMin());
    getContext()
        .getLog()
        .info(
            "{} for {} / {}: attempt {} failed ({}), retrying",
            d.kind(),
            d.agent(),
            d.task(),
            d.attempt(),
            why);
    return this;
  }

  private Behavior<Command> onFlush(Flush f) {
    if (queue.flush(f.replyTo())) {
      queue
          .pending()
          .forEach(
              (id, d) -> {
                if (timers.isTimerActive(id)) { // waiting for its retry, not in flight
                  timers.cancel(id);
                  post(id, d);
                }
              });
    }
    return this;
  }

  private Behavior<Command> onRetry(Retry r) {
    AlertQueue.Delivery d = queue.get(r.id());
    if (d != null) {
      post(r.id(), d);
    }
    return this;
  }

  private void record(AlertQueue.Delivery d, String outcome, String message) {
    record(d.kind(), d.agent(), d.task(), outcome, message);
  }

  private void record(String kind, String agent, String task, String outcome, String message) {
    events.append(Event.alert(clock.instant(), agent, task, outcome, message));
  }
}

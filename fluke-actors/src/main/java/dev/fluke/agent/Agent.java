package dev.fluke.agent;

import static java.util.stream.Stream.concat;

import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.Done;
import dev.fluke.agent.actor.StashBuffer;
import dev.fluke.agent.actor.SupervisorStrategy;
import dev.fluke.agent.actor.TimerScheduler;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The agent (SPEC §1, §4, §5): the parent of its parts and the phases of its life.
 *
 * <ol>
 *   <li>{@link #recovering}: before it connects or takes work, {@link OrphanRecovery} deals with an
 *       apply a previous agent process left running.
 *   <li>{@link #running}: {@link ServerLink} (the connection), {@link ResultDelivery} (apply
 *       results until acknowledged) and {@link Worker} (the requests, one at a time). The link and
 *       the delivery are restarted with backoff if they fail. The worker is watched: when it stops,
 *       the request it was running goes on in the {@link WorkLane} and answers for itself, its
 *       queued requests are answered with errors, and a new worker takes over after a backoff
 *       (requests arriving meanwhile wait); its first request starts only once the old one has
 *       ended.
 *   <li>{@link #draining} (asked to stop, e.g. SIGTERM through {@link AgentRuntime#shutdown}): a
 *       {@link GracefulStop} child lets the running apply finish within {@code stop_grace} (or
 *       kills it) and waits (bounded) for the results to be acknowledged; then {@link #drained},
 *       connected and taking no work, until told to {@link Stop}.
 * </ol>
 */
final class Agent {

  sealed interface Command {}

  /**
   * Stop taking work, let the running apply finish within {@code stop_grace} (then kill it), report
   * the results, waiting up to {@code stop-report-timeout} for the server's acknowledgement.
   * Replies Done; the agent then stays connected, taking no work, until {@link Stop}.
   */
  record Drain(ActorRef<Done> replyTo) implements Command {}

  /**
   * Stop now: running work is cancelled (its process tree killed), the stream closed. Replies Done.
   */
  record Stop(ActorRef<Done> replyTo) implements Command {}

  private enum Recovered implements Command {
    INSTANCE
  }

  private record ToWorker(Worker.Command command) implements Command {}

  private record WorkerStopped(ActorRef<Worker.Command> worker) implements Command {}

  private enum Drained implements Command {
    INSTANCE
  }

  private enum ReplaceWorker implements Command {
    INSTANCE
  }

  private enum WorkerStable implements Command {
    INSTANCE
  }

  /** The running parts; {@code worker} is null while it is being replaced. */
  private record Parts(
      ActorRef<ServerLink.Command> link,
      ActorRef<ResultDelivery.Command> results,
      ActorRef<Worker.Command> worker) {
    Parts withWorker(ActorRef<Worker.Command> w) {
      return new Parts(link, results, w);
    }
  }

  private static final String REPLACE_TIMER = "replace-worker";
  private static final String STABLE_TIMER = "worker-stable";

  static Behavior<Command> create(AgentMeans means) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(Agent.class);
          return Behaviors.withTimers(
              timers ->
                  Behaviors.withStash(
                      means.settings().maxQueuedRequests(),
                      stash -> new Agent(ctx, timers, stash, means).recovering()));
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final AgentMeans means;
  private final AgentSettings settings;
  private final AgentJournal journal;
  private final WorkLane lane;
  private int workersStarted;

  private Agent(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      StashBuffer<Command> stash,
      AgentMeans means) {
    this.ctx = ctx;
    this.timers = timers;
    this.stash = stash;
    this.means = means;
    this.settings = means.settings();
    this.journal = means.journal();
    this.lane = means.lane();
  }

  // ---- phases ----

  private Behavior<Command> recovering() {
    ctx.spawn(
        OrphanRecovery.create(
            journal,
            settings,
            ctx.messageAdapter(OrphanRecovery.Recovered.class, r -> Recovered.INSTANCE)),
        "orphan-recovery");
    return Behaviors.receive(Command.class)
        .onMessage(Recovered.class, r -> startParts())
        // Nothing of this process runs yet; an orphan still running stays in the journal.
        .onMessage(Drain.class, d -> replyDone(List.of(d.replyTo()), Behaviors.same()))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  private Behavior<Command> running(Parts parts, int failures) {
    return Behaviors.receive(Command.class)
        .onMessage(ToWorker.class, w -> forward(parts, w))
        .onMessage(WorkerStopped.class, s -> onWorkerStopped(parts, s, failures))
        .onMessage(WorkerStable.class, s -> running(parts, 0))
        .onMessage(Drain.class, d -> drain(parts, d))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  /** The worker stopped; a new one starts after a backoff. */
  private Behavior<Command> replacing(Parts parts, int failures) {
    return Behaviors.receive(Command.class)
        .onMessage(ToWorker.class, this::stashed)
        .onMessage(
            ReplaceWorker.class, r -> stash.unstashAll(running(startWorker(parts), failures)))
        .onMessage(Drain.class, d -> drain(parts, d))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  /** Asked to stop: {@code stopping} finishes the work; requests still reach the worker. */
  private Behavior<Command> draining(
      Parts parts, ActorRef<GracefulStop.Command> stopping, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(ToWorker.class, w -> forward(parts, w))
        .onMessage(WorkerStopped.class, s -> tell(stopping, GracefulStop.WorkerGone.INSTANCE))
        .onMessage(Drained.class, d -> replyDone(waiting, drained(parts)))
        .onMessage(
            Drain.class,
            d ->
                draining(
                    parts, stopping, concat(waiting.stream(), Stream.of(d.replyTo())).toList()))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  /** Drained: connected, taking no work, until told to stop. */
  private Behavior<Command> drained(Parts parts) {
    return Behaviors.receive(Command.class)
        .onMessage(ToWorker.class, w -> forward(parts, w))
        .onMessage(Drain.class, d -> replyDone(List.of(d.replyTo()), Behaviors.same()))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  // ---- starting and replacing ----

  private Behavior<Command> startParts() {
    SupervisorStrategy restart =
        SupervisorStrategy.restartWithBackoff(
            settings.restart().min(), settings.restart().max(), settings.restart().randomFactor());
    ActorRef<ResultDelivery.Command> results =
        ctx.spawn(
            Behaviors.supervise(ResultDelivery.create(settings, journal)).onFailure(restart),
            "results");
    ActorRef<Worker.Command> work = ctx.messageAdapter(Worker.Command.class, ToWorker::new);
    ActorRef<ServerLink.Command> link =
        ctx.spawn(
            Behaviors.supervise(
                    ServerLink.create(
                        settings,
                        means.servers(),
                        means.executorTypes(),
                        means.clock(),
                        means.random(),
                        work,
                        results))
                .onFailure(restart),
            "link");
    return running(startWorker(new Parts(link, results, null)), 0);
  }

  private Parts startWorker(Parts parts) {
    ActorRef<Worker.Command> worker =
        ctx.spawn(
            means.workers().apply(new Worker.Outputs(parts.link(), parts.results())),
            "worker-" + ++workersStarted);
    ctx.watchWith(worker, new WorkerStopped(worker));
    timers.startSingleTimer(STABLE_TIMER, WorkerStable.INSTANCE, settings.restart().max());
    return parts.withWorker(worker);
  }

  private Behavior<Command> onWorkerStopped(Parts parts, WorkerStopped s, int failures) {
    if (!s.worker().equals(parts.worker())) {
      return Behaviors.same();
    }
    Duration delay =
        settings.restart().delay(failures + 1, ThreadLocalRandom.current().nextDouble());
    ctx.getLog()
        .error(
            "The agent's worker stopped unexpectedly; a new one takes requests in {} (its running"
                + " request, if any, goes on and reports itself; its queued ones were answered with"
                + " errors)",
            Durations.format(delay));
    timers.cancel(STABLE_TIMER);
    timers.startSingleTimer(REPLACE_TIMER, ReplaceWorker.INSTANCE, delay);
    return replacing(parts.withWorker(null), failures + 1);
  }

  private Behavior<Command> forward(Parts parts, ToWorker w) {
    if (parts.worker() != null) {
      parts.worker().tell(w.command());
    } // else stopping while the worker was being replaced: nothing takes work any more
    return Behaviors.same();
  }

  private Behavior<Command> stashed(ToWorker w) {
    if (stash.isFull()) {
      ctx.getLog().warn("Dropping {}: too many requests wait for a new worker", w.command());
    } else {
      stash.stash(w);
    }
    return Behaviors.same();
  }

  // ---- stopping ----

  private Behavior<Command> drain(Parts parts, Drain d) {
    timers.cancel(STABLE_TIMER);
    timers.cancel(REPLACE_TIMER);
    if (!stash.isEmpty()) {
      ctx.getLog()
          .info("Stopping: dropping {} request(s) that waited for a new worker", stash.size());
      stash.clear();
    }
    ActorRef<GracefulStop.Command> stopping =
        ctx.spawn(
            GracefulStop.create(
                settings,
                parts.worker(),
                parts.results(),
                lane,
                journal,
                ctx.messageAdapter(Done.class, done -> Drained.INSTANCE)),
            "graceful-stop");
    return draining(parts, stopping, List.of(d.replyTo()));
  }

  private static <T> Behavior<Command> tell(ActorRef<T> to, T message) {
    to.tell(message);
    return Behaviors.same();
  }

  private Behavior<Command> stopNow(Stop stop) {
    lane.cancelAll("the agent stopped");
    ctx.getLog().info("Agent '{}' stopping", settings.name());
    stop.replyTo().tell(Done.getInstance());
    return Behaviors.stopped();
  }

  private static Behavior<Command> replyDone(List<ActorRef<Done>> to, Behavior<Command> next) {
    to.forEach(r -> r.tell(Done.getInstance()));
    return next;
  }
}

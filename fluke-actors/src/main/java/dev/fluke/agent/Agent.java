package dev.fluke.agent;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

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
 *   <li>{@link #draining} (asked to stop, e.g. SIGTERM through CoordinatedShutdown): no new work;
 *       the running apply gets up to {@code stop_grace} to finish, then it is cancelled (its
 *       process tree killed); then {@link #delivering}: results wait up to {@code
 *       stop-report-timeout} for the server's acknowledgement (what is not acknowledged stays in
 *       the journal for the next start); then {@link #drained} until told to {@link Stop}.
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

  private enum ReplaceWorker implements Command {
    INSTANCE
  }

  private enum WorkerStable implements Command {
    INSTANCE
  }

  private enum WorkIdle implements Command {
    INSTANCE
  }

  private enum GraceOver implements Command {
    INSTANCE
  }

  private enum Delivered implements Command {
    INSTANCE
  }

  private enum DeliveryTimeout implements Command {
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
  private static final String GRACE_TIMER = "stop-grace";
  private static final String DELIVERY_TIMER = "delivery";

  /** Makes a worker that sends its answers to {@code outputs}. */
  interface Workers {
    Behavior<Worker.Command> create(Worker.Outputs outputs);
  }

  static Behavior<Command> create(
      AgentSettings settings,
      ServerConnector connector,
      TaskRunner runner,
      AgentJournal journal,
      WorkLane lane,
      Clock clock) {
    return create(
        settings,
        connector,
        runner.types(),
        journal,
        lane,
        clock,
        outputs -> Worker.create(settings, runner, journal, lane, clock, outputs));
  }

  /**
   * @param executorTypes reported at registration
   * @param workers makes each worker (the first, and every replacement)
   */
  static Behavior<Command> create(
      AgentSettings settings,
      ServerConnector connector,
      List<String> executorTypes,
      AgentJournal journal,
      WorkLane lane,
      Clock clock,
      Workers workers) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(Agent.class);
          return Behaviors.withTimers(
              timers ->
                  Behaviors.withStash(
                      settings.maxQueuedRequests(),
                      stash ->
                          new Agent(
                                  ctx,
                                  timers,
                                  stash,
                                  settings,
                                  connector,
                                  executorTypes,
                                  journal,
                                  lane,
                                  clock,
                                  workers)
                              .recovering()));
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final AgentSettings settings;
  private final ServerConnector connector;
  private final List<String> executorTypes;
  private final AgentJournal journal;
  private final WorkLane lane;
  private final Clock clock;
  private final Workers workers;
  private int workersStarted;

  private Agent(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      StashBuffer<Command> stash,
      AgentSettings settings,
      ServerConnector connector,
      List<String> executorTypes,
      AgentJournal journal,
      WorkLane lane,
      Clock clock,
      Workers workers) {
    this.ctx = ctx;
    this.timers = timers;
    this.stash = stash;
    this.settings = settings;
    this.connector = connector;
    this.executorTypes = List.copyOf(executorTypes);
    this.journal = journal;
    this.lane = lane;
    this.clock = clock;
    this.workers = workers;
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
        .onMessage(Drain.class, d -> drainWithoutWorker(parts, d))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  /** Asked to stop: the running apply may finish within the grace. */
  private Behavior<Command> draining(Parts parts, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(ToWorker.class, w -> forward(parts, w))
        .onMessage(WorkIdle.class, i -> deliver(parts, waiting))
        .onMessage(GraceOver.class, g -> onGraceOver())
        .onMessage(WorkerStopped.class, s -> awaitLane())
        .onMessage(Drain.class, d -> draining(parts, with(waiting, d.replyTo())))
        .onMessage(Stop.class, this::stopNow)
        .build();
  }

  /** Nothing runs; the results wait (bounded) for the server's acknowledgement. */
  private Behavior<Command> delivering(Parts parts, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(ToWorker.class, w -> forward(parts, w))
        .onMessage(Delivered.class, d -> delivered(parts, waiting, true))
        .onMessage(DeliveryTimeout.class, t -> delivered(parts, waiting, false))
        .onMessage(Drain.class, d -> delivering(parts, with(waiting, d.replyTo())))
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
                    ServerLink.create(settings, connector, executorTypes, clock, work, results))
                .onFailure(restart),
            "link");
    return running(startWorker(new Parts(link, results, null)), 0);
  }

  private Parts startWorker(Parts parts) {
    ActorRef<Worker.Command> worker =
        ctx.spawn(
            workers.create(new Worker.Outputs(parts.link(), parts.results())),
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
            AgentSettings.human(delay));
    timers.cancel(STABLE_TIMER);
    timers.startSingleTimer(REPLACE_TIMER, ReplaceWorker.INSTANCE, delay);
    return replacing(parts.withWorker(null), failures + 1);
  }

  private Behavior<Command> forward(Parts parts, ToWorker w) {
    parts.worker().tell(w.command());
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
    parts
        .worker()
        .tell(new Worker.Drain(ctx.messageAdapter(Worker.Drained.class, x -> WorkIdle.INSTANCE)));
    timers.startSingleTimer(GRACE_TIMER, GraceOver.INSTANCE, settings.stopGrace());
    return draining(parts, List.of(d.replyTo()));
  }

  private Behavior<Command> drainWithoutWorker(Parts parts, Drain d) {
    timers.cancel(REPLACE_TIMER);
    ctx.getLog()
        .info("Stopping: dropping {} request(s) that waited for a new worker", stash.size());
    stash.clear();
    timers.startSingleTimer(GRACE_TIMER, GraceOver.INSTANCE, settings.stopGrace());
    awaitLane();
    return draining(parts, List.of(d.replyTo()));
  }

  /** Whatever still runs in the lane (e.g. the request of a worker that stopped) ends first. */
  private Behavior<Command> awaitLane() {
    // Never a null value to pipe: a stopped actor's dead letters could not show it.
    ctx.pipeToSelf(
        lane.idle().thenApply(v -> Done.getInstance()), (ok, failure) -> WorkIdle.INSTANCE);
    return Behaviors.same();
  }

  private Behavior<Command> onGraceOver() {
    String why =
        "the agent was stopping and its stop_grace of "
            + AgentSettings.human(settings.stopGrace())
            + " ran out";
    ctx.getLog()
        .warn("The running apply did not finish in time: {}; killing its process tree", why);
    lane.cancelAll(why);
    return Behaviors.same();
  }

  private Behavior<Command> deliver(Parts parts, List<ActorRef<Done>> waiting) {
    timers.cancel(GRACE_TIMER);
    parts
        .results()
        .tell(
            new ResultDelivery.AwaitDelivered(
                ctx.messageAdapter(ResultDelivery.Delivered.class, x -> Delivered.INSTANCE)));
    timers.startSingleTimer(DELIVERY_TIMER, DeliveryTimeout.INSTANCE, settings.stopReportTimeout());
    return delivering(parts, waiting);
  }

  private Behavior<Command> delivered(
      Parts parts, List<ActorRef<Done>> waiting, boolean acknowledged) {
    timers.cancel(DELIVERY_TIMER);
    if (acknowledged) {
      ctx.getLog().info("Stopping: every apply result is reported and acknowledged");
    } else {
      ctx.getLog()
          .warn(
              "Stopping: the server did not acknowledge every apply result within {}; what is not"
                  + " acknowledged stays in the journal{} and is reported on the next connection",
              AgentSettings.human(settings.stopReportTimeout()),
              journal.file().map(f -> " (" + f + ")").orElse(" (in memory only: lost)"));
    }
    return replyDone(waiting, drained(parts));
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

  private static List<ActorRef<Done>> with(List<ActorRef<Done>> list, ActorRef<Done> more) {
    List<ActorRef<Done>> out = new ArrayList<>(list);
    out.add(more);
    return out;
  }
}

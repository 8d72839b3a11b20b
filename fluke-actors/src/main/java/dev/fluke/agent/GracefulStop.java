package dev.fluke.agent;

import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.Done;
import dev.fluke.agent.actor.TimerScheduler;
import dev.fluke.hcl.Durations;

/**
 * Stops the agent's work gracefully (SPEC §4: an agent asked to stop finishes its running apply
 * within a bounded grace and reports it), for {@link Agent}: a short-lived child with one timeout
 * per phase.
 *
 * <ol>
 *   <li>The worker takes no new work and drops its queue; the running request goes on.
 *   <li>If it has not ended within {@code stop_grace}, it is cancelled through the {@link
 *       WorkLane}: its process tree is killed and its result (an ERROR saying the grace ran out) is
 *       reported like any other.
 *   <li>Once nothing runs, {@link ResultDelivery} is given {@code stop-report-timeout} to have
 *       every result acknowledged; what is not stays in the journal and is reported on the next
 *       connection.
 * </ol>
 *
 * Replies Done to its parent, then stops.
 */
final class GracefulStop {

  sealed interface Command {}

  /** The worker stopped meanwhile: wait for whatever still runs in the lane instead. */
  enum WorkerGone implements Command {
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

  private static final String GRACE_TIMER = "stop-grace";
  private static final String DELIVERY_TIMER = "delivery";

  /**
   * @param worker the worker to drain, or null when there is none (then the lane is waited for)
   */
  static Behavior<Command> create(
      AgentSettings settings,
      ActorRef<Worker.Command> worker,
      ActorRef<ResultDelivery.Command> results,
      WorkLane lane,
      AgentJournal journal,
      ActorRef<Done> replyTo) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(GracefulStop.class);
          return Behaviors.withTimers(
              timers -> {
                GracefulStop stop =
                    new GracefulStop(ctx, timers, settings, results, lane, journal, replyTo);
                if (worker == null) {
                  stop.awaitLane();
                } else {
                  worker.tell(
                      new Worker.Drain(
                          ctx.messageAdapter(Worker.Drained.class, d -> WorkIdle.INSTANCE)));
                }
                timers.startSingleTimer(GRACE_TIMER, GraceOver.INSTANCE, settings.stopGrace());
                ctx.getLog()
                    .info(
                        "Stopping: giving running work up to {} (stop_grace) to finish",
                        Durations.format(settings.stopGrace()));
                return stop.finishing();
              });
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final AgentSettings settings;
  private final ActorRef<ResultDelivery.Command> results;
  private final WorkLane lane;
  private final AgentJournal journal;
  private final ActorRef<Done> replyTo;

  private GracefulStop(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      AgentSettings settings,
      ActorRef<ResultDelivery.Command> results,
      WorkLane lane,
      AgentJournal journal,
      ActorRef<Done> replyTo) {
    this.ctx = ctx;
    this.timers = timers;
    this.settings = settings;
    this.results = results;
    this.lane = lane;
    this.journal = journal;
    this.replyTo = replyTo;
  }

  /** The running request may finish within the grace. */
  private Behavior<Command> finishing() {
    return Behaviors.receive(Command.class)
        .onMessage(WorkIdle.class, i -> deliver())
        .onMessage(GraceOver.class, g -> onGraceOver())
        .onMessage(WorkerGone.class, g -> awaitLane())
        .build();
  }

  private Behavior<Command> onGraceOver() {
    String why =
        "the agent was stopping and its stop_grace of "
            + Durations.format(settings.stopGrace())
            + " ran out";
    ctx.getLog()
        .warn("The running apply did not finish in time: {}; killing its process tree", why);
    lane.cancelAll(why);
    return Behaviors.same();
  }

  private Behavior<Command> awaitLane() {
    // Never a null value to pipe: a stopped actor's dead letters could not show it.
    ctx.pipeToSelf(lane.idle().thenApply(v -> Done.getInstance()), (ok, f) -> WorkIdle.INSTANCE);
    return Behaviors.same();
  }

  /** Nothing runs: the results wait (bounded) for the server's acknowledgement. */
  private Behavior<Command> deliver() {
    timers.cancel(GRACE_TIMER);
    results.tell(
        new ResultDelivery.AwaitDelivered(
            ctx.messageAdapter(ResultDelivery.Delivered.class, d -> Delivered.INSTANCE)));
    timers.startSingleTimer(DELIVERY_TIMER, DeliveryTimeout.INSTANCE, settings.stopReportTimeout());
    return Behaviors.receive(Command.class)
        .onMessage(Delivered.class, d -> done(true))
        .onMessage(DeliveryTimeout.class, t -> done(false))
        .onAnyMessage(other -> Behaviors.same())
        .build();
  }

  private Behavior<Command> done(boolean acknowledged) {
    if (acknowledged) {
      ctx.getLog().info("Stopping: every apply result is reported and acknowledged");
    } else {
      ctx.getLog()
          .warn(
              "Stopping: the server did not acknowledge every apply result within {}; what is not"
                  + " acknowledged stays in the journal{} and is reported on the next connection",
              Durations.format(settings.stopReportTimeout()),
              journal.file().map(f -> " (" + f + ")").orElse(" (in memory only: lost)"));
    }
    replyTo.tell(Done.getInstance());
    return Behaviors.stopped();
  }
}

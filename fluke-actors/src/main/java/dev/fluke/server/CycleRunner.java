package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs one connected agent's reconcile cycles (SPEC §4); a child of its {@link AgentSession}, which
 * owns the stream. Triggers (the connection itself, a new commit at the agent's rollout slot, the
 * interval, a retry, a manual reconcile) start a cycle when {@link #idle()}; while one is in flight
 * they merge into one follow-up ({@link CycleRequest#merge}). A cycle is an immutable {@link Cycle}
 * held as the parameter of {@link #checking} and {@link #applying}: one CheckRequest, a {@link
 * DriftDecision} per drifted task, then one ApplyRequest at a time in declaration order. Every
 * request has a timeout; failed cycles are retried with backoff (15 s doubling, capped at the
 * interval). Results of another cycle never advance the current one; apply results are recorded
 * once ({@link ReceivedResults}) and always acknowledged. Task statuses live in {@link AgentTasks};
 * the cycle's phase, the last cycle end, the status counts and the newest manual request served go
 * to the session as a {@link AgentSession.CycleStatus} whenever they change. What each message does
 * in a phase, and the phase it leads to, is decided by the plain {@link CycleSteps}: this actor
 * holds the cycle in flight as its behavior's parameter and maps each step to its next phase.
 */
public final class CycleRunner {

  public sealed interface Command {}

  /** A CheckReport, ApplyOutput or ApplyResult from the agent; acknowledged once handled. */
  public record FromAgent(AgentMessage message, ActorRef<AgentSession.Ack> ackTo)
      implements Command {}

  /**
   * A new desired state: the tasks are rematched at once; the cycle it triggers starts after {@code
   * cycleDelay} (the commit's rollout slot of this agent, {@link ServerSettings.Rollout}), or no
   * cycle starts when it is null (only a task's reconciler was replaced).
   */
  public record DesiredStateChanged(
      DesiredState state,
      Map<String, ActorRef<TaskReconciler.Command>> reconcilers,
      Duration cycleDelay)
      implements Command {}

  /**
   * Run a manual cycle (always applies) for these tasks, or every matched task when empty; {@code
   * requestId} is reported as served once a cycle that carried it has ended.
   */
  public record ManualReconcile(Set<String> tasks, long requestId, boolean force)
      implements Command {
    public ManualReconcile(Set<String> tasks, long requestId) {
      this(tasks, requestId, false);
    }
  }

  /**
   * The task's {@link TaskReconciler} on its rollout (issue 10): this agent may remediate {@code
   * spec} ({@code allowed}: a cycle starts so that it does), or must keep the old state ({@code
   * reason} is shown).
   */
  public record RolloutGate(
      TaskSpec spec, boolean allowed, String reason, ActorRef<TaskReconciler.Command> reconciler)
      implements Command, CborSerializable {}

  /** Replies with the agent's detail: {@code summary} and every task's status. */
  public record GetDetail(Dto.AgentSummary summary, ActorRef<Optional<Dto.AgentDetail>> replyTo)
      implements Command {}

  /**
   * A plan's check ({@link PlanQuery}): run only these checks on the agent, outside any cycle.
   * {@code cycleId} is the plan's (negative, {@link dev.fluke.protocol.CycleIds#isPlan}); the
   * report goes to {@code replyTo} and changes nothing here. It waits on the agent behind the
   * request it runs.
   */
  public record PlanCheck(long cycleId, List<TaskSpec> tasks, ActorRef<PlanQuery.Command> replyTo)
      implements Command {}

  /** The plan stopped waiting: the agent is told to drop the check. */
  public record PlanCheckDropped(long cycleId) implements Command {}

  /**
   * Timers that start a cycle (each constant is its own timer): the interval, a retry, this agent's
   * rollout slot of a new commit, and the next opening of a maintenance window that held back an
   * apply.
   */
  enum Tick implements Command {
    INTERVAL,
    RETRY,
    COMMIT,
    WINDOW
  }

  /**
   * Cluster rebalancing: when no cycle and no plan's check is in flight, the session is told to end
   * the stream ({@link AgentSession.Moving}) so the agent reconnects to another node.
   */
  public record MoveIfIdle(String why) implements Command {}

  /**
   * The agent's stream ended: everything sent to the runner before this is handled, then it stops.
   */
  enum Finish implements Command {
    INSTANCE
  }

  /** The request of cycle {@code cycleId} got no answer in time. */
  record CycleTimedOut(long cycleId) implements Command {}

  /**
   * The cluster answered whether another node recorded the late result {@code m} ({@link
   * CycleSteps#lookUp}): it is handled now, and only then acknowledged, so the agent's next message
   * waits for it.
   */
  record LookedUp(FromAgent m) implements Command {}

  private final ActorContext<Command> ctx;
  private final CycleSteps steps;
  private final PlanChecks plans;
  private final ActorRef<AgentSession.Command> session;

  /** The runner of the session {@code s} describes, reporting to {@code session}. */
  static Behavior<Command> create(
      SessionSetup s, ActorRef<AgentSession.Command> session, SessionEvents log) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  RunnerTimers t = new RunnerTimers(timers, s.settings().reconcile());
                  CycleSteps steps =
                      new CycleSteps(s, session, log, t, ctx.getSelf(), ctx.getLog());
                  CycleRunner runner = new CycleRunner(ctx, steps, session);
                  return runner.go(steps.start(s.state(), s.reconcilers()));
                }));
  }

  private CycleRunner(
      ActorContext<Command> ctx, CycleSteps steps, ActorRef<AgentSession.Command> session) {
    this.ctx = ctx;
    this.steps = steps;
    this.plans = steps.plans();
    this.session = session;
  }

  // ---- phases: the cycle in flight is the behavior's parameter ----

  private Behavior<Command> idle() {
    steps.entered(CyclePhase.IDLE);
    return phase(null);
  }

  private Behavior<Command> checking(Cycle c) {
    steps.entered(CyclePhase.CHECKING);
    return phase(c);
  }

  private Behavior<Command> applying(Cycle c) {
    steps.entered(CyclePhase.APPLYING);
    return phase(c);
  }

  /**
   * Every phase alike: {@link CycleSteps} does what a message means with {@code c} in flight (null
   * when idle) — a trigger starts a cycle when idle and merges into the one follow-up otherwise.
   * Plans' checks never touch the cycle: {@link PlanChecks} handles them in every phase.
   */
  private Behavior<Command> phase(Cycle c) {
    return Behaviors.receive(Command.class)
        .onMessage(FromAgent.class, PlanChecks::isReport, m -> same(() -> plans.reported(m)))
        .onMessage(PlanCheck.class, p -> same(() -> plans.start(p)))
        .onMessage(PlanCheckDropped.class, p -> same(() -> plans.drop(p.cycleId())))
        .onMessage(FromAgent.class, m -> fromAgent(c, m))
        .onMessage(LookedUp.class, l -> acknowledged(l.m(), go(steps.fromAgent(c, l.m()))))
        .onMessage(CycleTimedOut.class, t -> go(steps.timedOut(c, t.cycleId())))
        .onMessage(DesiredStateChanged.class, d -> go(steps.desiredState(c, d)))
        .onMessage(ManualReconcile.class, m -> go(steps.manualReconcile(c, m)))
        .onMessage(Tick.class, t -> go(steps.trigger(c, CycleRequest.AUTOMATIC)))
        .onMessage(RolloutGate.class, g -> go(steps.rolloutGate(c, g)))
        .onMessage(GetDetail.class, g -> same(() -> g.replyTo().tell(steps.detail(c, g.summary()))))
        .onMessage(MoveIfIdle.class, m -> same(() -> moveIfIdle(c, m.why())))
        .onMessageEquals(Finish.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, stop -> same(steps::stopped))
        .build();
  }

  /**
   * The agent's message {@code m}: handled and acknowledged, or first looked up in the cluster (a
   * late result another node may have recorded) and handled when the answer comes ({@link
   * LookedUp}).
   */
  private Behavior<Command> fromAgent(Cycle c, FromAgent m) {
    CompletionStage<Boolean> lookUp = steps.lookUp(m);
    if (lookUp == null) {
      return acknowledged(m, go(steps.fromAgent(c, m)));
    }
    ctx.pipeToSelf(lookUp, (found, failure) -> new LookedUp(m));
    return Behaviors.same();
  }

  private void moveIfIdle(Cycle c, String why) {
    if (c == null && plans.idle()) {
      session.tell(new AgentSession.Moving(why));
    }
  }

  /** The phase {@code next} names: the cycle now in flight's, idle when none, or the same. */
  private Behavior<Command> go(CycleSteps.Next next) {
    if (next.same()) {
      return Behaviors.same();
    }
    Cycle c = next.cycle();
    if (c == null) {
      return idle();
    }
    return c.phase() == CyclePhase.CHECKING ? checking(c) : applying(c);
  }

  /** {@code m} acknowledged once the phase it led to ({@code next}) is entered and reported. */
  private Behavior<Command> acknowledged(FromAgent m, Behavior<Command> next) {
    steps.acknowledge(m);
    return next;
  }

  private static Behavior<Command> same(Runnable effect) {
    effect.run();
    return Behaviors.same();
  }
}

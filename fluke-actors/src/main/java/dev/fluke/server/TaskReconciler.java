package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One task of the desired state in force (SPEC §7): holds its spec and the status of the task on
 * every agent it matches, as pushed by the agents' sessions whenever it changes; answers task
 * detail and drift questions; and turns {@code fluke reconcile task NAME} into a manual cycle for
 * that task on every matched, connected agent. Agents that disconnect stay listed (connected =
 * false) for the configured retention.
 */
public final class TaskReconciler extends AbstractBehavior<TaskReconciler.Command> {

  public sealed interface Command {}

  /** A new commit changed the task's definition; {@code commit}: the commit now in force. */
  public record UpdateSpec(TaskSpec spec, String commit) implements Command {
    public UpdateSpec(TaskSpec spec) {
      this(spec, null);
    }
  }

  /**
   * An agent allowed by the task's rollout judged {@code spec} after its apply: {@code ok}
   * satisfied, else failed (issue 10).
   */
  public record RolloutReport(String agent, TaskSpec spec, boolean ok)
      implements Command, CborSerializable {}

  /**
   * A person resumes the task's halted rollout ({@code who}: for the event); replies with its
   * status, or empty when the task has no rollout.
   */
  public record ResumeRollout(String who, ActorRef<Optional<Dto.RolloutStatus>> replyTo)
      implements Command, CborSerializable {}

  /** The rollout's timers: the gathering time is over; the next stage is due. */
  private enum RolloutTick implements Command {
    GATHERED,
    NEXT_STAGE
  }

  /**
   * The task's status on one agent changed. {@code since}: when it last stopped being satisfied.
   */
  public record AgentStatus(
      String agent, Dto.TaskStatus status, Instant since, ActorRef<CycleRunner.Command> runner)
      implements Command {}

  /** The agent's session ended. */
  public record AgentDisconnected(String agent, ActorRef<CycleRunner.Command> runner)
      implements Command {}

  /** The agent no longer matches the task (labels or selector changed). */
  public record AgentUnmatched(String agent, ActorRef<CycleRunner.Command> runner)
      implements Command {}

  /** Replies with a {@link Report}. */
  public record GetReport(ActorRef<Report> replyTo) implements Command {}

  /** Replies with the task's detail. */
  public record GetDetail(ActorRef<Optional<Dto.TaskDetail>> replyTo) implements Command {}

  /**
   * Start a manual cycle (request {@code requestId}) for this task on every matched agent; replies
   * with what was started.
   */
  public record Reconcile(long requestId, boolean force, ActorRef<Dto.ReconcileAccepted> replyTo)
      implements Command {
    public Reconcile(long requestId, ActorRef<Dto.ReconcileAccepted> replyTo) {
      this(requestId, false, replyTo);
    }
  }

  /** The task's summary and its not-satisfied (agent, task) pairs. */
  public record Report(String task, Dto.TaskSummary summary, List<Dto.DriftEntry> drift) {}

  private final DriftPolicy defaultPolicy;
  private final Duration retention;
  private final Clock clock;
  private final TaskStatuses agents = new TaskStatuses();
  private final TimerScheduler<Command> timers;
  private final TaskRollout rollout;
  private TaskSpec spec;

  public static Behavior<Command> create(TaskSpec spec, ServerSettings settings) {
    return create(spec, settings, null, null, null);
  }

  /**
   * A reconciler whose task is in force at {@code commit}; {@code alerter} and {@code events} carry
   * what its rollout announces (a halt); either may be null (nothing is announced there).
   */
  public static Behavior<Command> create(
      TaskSpec spec,
      ServerSettings settings,
      String commit,
      ActorRef<DriftAlerter.Command> alerter,
      dev.fluke.events.EventStore events) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new TaskReconciler(ctx, timers, spec, settings, commit, alerter, events)));
  }

  private TaskReconciler(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      TaskSpec spec,
      ServerSettings settings,
      String commit,
      ActorRef<DriftAlerter.Command> alerter,
      dev.fluke.events.EventStore events) {
    super(context);
    this.spec = spec;
    this.timers = timers;
    this.defaultPolicy = settings.reconcile().defaultPolicy();
    this.retention = settings.agents().disconnectedRetention();
    this.clock = settings.clock();
    this.rollout =
        new TaskRollout(
            context.getSelf(),
            settings.reconcile().defaultRollout(),
            alerter,
            events,
            context.getLog());
    if (rollout.defined(spec, commit, clock.instant())) {
      timers.startSingleTimer(RolloutTick.GATHERED, TaskRollout.GATHER);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(UpdateSpec.class, this::onUpdateSpec)
        .onMessage(AgentStatus.class, this::onAgentStatus)
        .onMessage(AgentDisconnected.class, this::onAgentDisconnected)
        .onMessage(AgentUnmatched.class, this::onAgentUnmatched)
        .onMessage(GetReport.class, this::onGetReport)
        .onMessage(GetDetail.class, this::onGetDetail)
        .onMessage(Reconcile.class, this::onReconcile)
        .onMessage(RolloutReport.class, this::onRolloutReport)
        .onMessage(ResumeRollout.class, this::onResumeRollout)
        .onMessage(RolloutTick.class, this::onRolloutTick)
        .build();
  }

  private Behavior<Command> onUpdateSpec(UpdateSpec u) {
    spec = u.spec();
    if (rollout.defined(u.spec(), u.commit(), clock.instant())) {
      timers.cancel(RolloutTick.NEXT_STAGE);
      timers.startSingleTimer(RolloutTick.GATHERED, TaskRollout.GATHER);
    }
    return this;
  }

  private Behavior<Command> onAgentStatus(AgentStatus s) {
    boolean newRunner = agents.reported(s.agent(), s.status(), s.since(), s.runner());
    if (rollout.seen(s.agent(), s.runner(), newRunner, agents.runners(), clock.instant())) {
      timers.startSingleTimer(RolloutTick.GATHERED, TaskRollout.GATHER);
    }
    return rolloutTimer();
  }

  // ---- the rollout (issue 10) ----

  private Behavior<Command> onRolloutTick(RolloutTick t) {
    if (t == RolloutTick.GATHERED) {
      rollout.gathered(agents.connected(), agents.runners(), clock.instant());
    } else {
      rollout.tick(agents.runners(), clock.instant());
    }
    return rolloutTimer();
  }

  private Behavior<Command> onRolloutReport(RolloutReport r) {
    rollout.reported(r.agent(), r.spec(), r.ok(), agents.runners(), clock.instant());
    return rolloutTimer();
  }

  private Behavior<Command> onResumeRollout(ResumeRollout r) {
    r.replyTo().tell(rollout.resume(r.who(), agents.runners(), clock.instant()));
    return rolloutTimer();
  }

  /** Keeps the timer of the next stage in step with the rollout. */
  private Behavior<Command> rolloutTimer() {
    Duration next = rollout.untilNextStage(clock.instant());
    if (next == null) {
      timers.cancel(RolloutTick.NEXT_STAGE);
    } else if (!timers.isTimerActive(RolloutTick.NEXT_STAGE)) {
      timers.startSingleTimer(RolloutTick.NEXT_STAGE, next);
    }
    return this;
  }

  private Behavior<Command> onAgentDisconnected(AgentDisconnected d) {
    // Only the session that reported the entry may close it: a reconnected agent has a new session.
    if (agents.disconnected(d.agent(), d.runner(), clock.instant())) {
      rollout.gone(d.agent(), agents.runners(), clock.instant());
    }
    return rolloutTimer();
  }

  private Behavior<Command> onAgentUnmatched(AgentUnmatched u) {
    if (agents.unmatched(u.agent(), u.runner())) {
      rollout.gone(u.agent(), agents.runners(), clock.instant());
    }
    return this;
  }

  private Behavior<Command> onGetReport(GetReport g) {
    prune();
    g.replyTo().tell(new Report(spec.name(), summary(), agents.drift(spec.name())));
    return this;
  }

  private Behavior<Command> onGetDetail(GetDetail g) {
    prune();
    Dto.WindowStatus window =
        spec.window().map(w -> Dto.WindowStatus.of(w, clock.instant())).orElse(null);
    g.replyTo()
        .tell(
            Optional.of(
                new Dto.TaskDetail(
                    summary(), TaskStatuses.definitions(spec), agents.statuses(), window)));
    return this;
  }

  private Behavior<Command> onReconcile(Reconcile r) {
    Map<String, ActorRef<CycleRunner.Command>> runners = agents.runnersByName();
    runners
        .values()
        .forEach(
            runner ->
                runner.tell(
                    new CycleRunner.ManualReconcile(
                        Set.of(spec.name()), r.requestId(), r.force())));
    r.replyTo()
        .tell(
            ManualStart.ofTask(
                    spec.name(), List.copyOf(runners.keySet()), r.requestId(), clock.instant())
                .answer());
    return this;
  }

  private Dto.TaskSummary summary() {
    return agents.summary(spec, defaultPolicy, rollout.status(clock.instant()));
  }

  private void prune() {
    agents.prune(clock.instant(), retention);
  }
}

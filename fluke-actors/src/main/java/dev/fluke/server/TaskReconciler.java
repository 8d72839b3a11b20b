package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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

  private record Entry(
      ActorRef<CycleRunner.Command> runner,
      boolean connected,
      Dto.TaskStatus status,
      Instant since,
      Instant disconnectedAt) {}

  private final DriftPolicy defaultPolicy;
  private final Duration retention;
  private final Clock clock;
  private final Map<String, Entry> agents = new HashMap<>();
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
    Entry before = agents.get(s.agent());
    agents.put(s.agent(), new Entry(s.runner(), true, s.status(), s.since(), null));
    boolean newRunner =
        before == null || !before.connected() || !before.runner().equals(s.runner());
    if (rollout.seen(s.agent(), s.runner(), newRunner, runners(), clock.instant())) {
      timers.startSingleTimer(RolloutTick.GATHERED, TaskRollout.GATHER);
    }
    return rolloutTimer();
  }

  // ---- the rollout (issue 10) ----

  private Map<String, ActorRef<CycleRunner.Command>> runners() {
    return TaskRollout.runners(agents, e -> e.connected() ? e.runner() : null);
  }

  private List<String> connectedAgents() {
    List<String> out = new ArrayList<>();
    agents.forEach(
        (agent, e) -> {
          if (e.connected()) {
            out.add(agent);
          }
        });
    return out;
  }

  private Behavior<Command> onRolloutTick(RolloutTick t) {
    if (t == RolloutTick.GATHERED) {
      rollout.gathered(connectedAgents(), runners(), clock.instant());
    } else {
      rollout.tick(runners(), clock.instant());
    }
    return rolloutTimer();
  }

  private Behavior<Command> onRolloutReport(RolloutReport r) {
    rollout.reported(r.agent(), r.spec(), r.ok(), runners(), clock.instant());
    return rolloutTimer();
  }

  private Behavior<Command> onResumeRollout(ResumeRollout r) {
    r.replyTo().tell(rollout.resume(r.who(), runners(), clock.instant()));
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
    Entry e = agents.get(d.agent());
    // Only the session that reported the entry may close it: a reconnected agent has a new session.
    if (e != null && e.runner().equals(d.runner())) {
      agents.put(d.agent(), new Entry(e.runner(), false, e.status(), e.since(), clock.instant()));
      rollout.gone(d.agent(), runners(), clock.instant());
    }
    return rolloutTimer();
  }

  private Behavior<Command> onAgentUnmatched(AgentUnmatched u) {
    Entry e = agents.get(u.agent());
    if (e != null && e.runner().equals(u.runner())) {
      agents.remove(u.agent());
      rollout.gone(u.agent(), runners(), clock.instant());
    }
    return this;
  }

  private Behavior<Command> onGetReport(GetReport g) {
    prune();
    g.replyTo().tell(new Report(spec.name(), summary(), drift()));
    return this;
  }

  private Behavior<Command> onGetDetail(GetDetail g) {
    prune();
    List<Dto.ExecutorDefinition> defs = new ArrayList<>();
    for (ExecutorSpec e : spec.executors()) {
      defs.add(
          new Dto.ExecutorDefinition(e.type(), e.name(), e.attributes(), e.onFailure().hclName()));
    }
    List<Dto.AgentTaskStatus> statuses = new ArrayList<>();
    for (Map.Entry<String, Entry> e : new TreeMap<>(agents).entrySet()) {
      statuses.add(
          new Dto.AgentTaskStatus(e.getKey(), e.getValue().connected(), e.getValue().status()));
    }
    Dto.WindowStatus window =
        spec.window().map(w -> Dto.WindowStatus.of(w, clock.instant())).orElse(null);
    g.replyTo().tell(Optional.of(new Dto.TaskDetail(summary(), defs, statuses, window)));
    return this;
  }

  private Behavior<Command> onReconcile(Reconcile r) {
    List<String> started = new ArrayList<>();
    for (Map.Entry<String, Entry> e : new TreeMap<>(agents).entrySet()) {
      if (e.getValue().connected()) {
        e.getValue()
            .runner()
            .tell(new CycleRunner.ManualReconcile(Set.of(spec.name()), r.requestId(), r.force()));
        started.add(e.getKey());
      }
    }
    String message =
        started.isEmpty()
            ? "no connected agent matches task " + spec.name()
            : "manual reconcile of task "
                + spec.name()
                + " started on "
                + started.size()
                + " agent(s)";
    r.replyTo()
        .tell(
            new Dto.ReconcileAccepted(
                true,
                message,
                Dto.ReconcileTarget.task(spec.name()),
                started,
                clock.instant(),
                r.requestId()));
    return this;
  }

  private Dto.TaskSummary summary() {
    List<Status> statuses = new ArrayList<>();
    for (Entry e : agents.values()) {
      if (e.connected()) {
        statuses.add(e.status().status());
      }
    }
    List<String> execs = new ArrayList<>();
    for (ExecutorSpec e : spec.executors()) {
      execs.add(e.label());
    }
    return new Dto.TaskSummary(
        spec.name(),
        spec.description(),
        spec.effectivePolicy(defaultPolicy).hclName(),
        spec.selector().matchLabels(),
        execs,
        spec.pos().file(),
        statuses.size(),
        Dto.StatusCounts.of(statuses),
        spec.dependsOn(),
        rollout.status(clock.instant()));
  }

  private List<Dto.DriftEntry> drift() {
    List<Dto.DriftEntry> out = new ArrayList<>();
    for (Map.Entry<String, Entry> e : new TreeMap<>(agents).entrySet()) {
      Entry v = e.getValue();
      Status status = v.status().status();
      if (v.connected() && status != Status.SATISFIED && status != Status.PENDING) {
        out.add(
            new Dto.DriftEntry(
                e.getKey(),
                spec.name(),
                status,
                v.status().policy(),
                v.status().alerted(),
                v.since(),
                v.status().message()));
      }
    }
    return out;
  }

  private void prune() {
    Instant cutoff = clock.instant().minus(retention);
    agents.values().removeIf(e -> !e.connected() && e.disconnectedAt().isBefore(cutoff));
  }
}

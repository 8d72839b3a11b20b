package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.hcl.Durations;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

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
 * to the session as a {@link AgentSession.CycleStatus} whenever they change.
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

  /** The request of cycle {@code cycleId} got no answer in time. */
  record CycleTimedOut(long cycleId) implements Command {}

  private final ActorContext<Command> context;
  private final RunnerTimers timers;
  private final ServerSettings settings;
  private final String name;
  private final RunnerLink link;
  private final PlanChecks plans;
  private final LiveHub live;
  private final AgentTasks tasks;
  private final AgentReports reports;
  private final OutputTail output;
  private final boolean webhook;
  private final CycleGates gates;

  private Pace pace;
  private Dto.ManualResult lastManual;
  private CyclePhase phase = CyclePhase.IDLE;

  /** The runner of the session {@code s} describes, reporting to {@code session}. */
  static Behavior<Command> create(
      AgentSession.Setup s, ActorRef<AgentSession.Command> session, SessionEvents log) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(timers -> new CycleRunner(ctx, timers, s, session, log).start(s)));
  }

  private CycleRunner(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      AgentSession.Setup s,
      ActorRef<AgentSession.Command> session,
      SessionEvents log) {
    this.context = context;
    this.timers = new RunnerTimers(timers, s.settings().reconcile());
    this.settings = s.settings();
    this.name = s.register().name();
    this.link = new RunnerLink(s.out(), session, s.received());
    this.plans = new PlanChecks(name, link);
    this.live = s.live();
    this.output = new OutputTail(settings.agents().outputLines());
    this.webhook = settings.alerts().webhook() != null;
    this.gates =
        new CycleGates(
            name,
            s.suspensions(),
            settings.reconcile().defaultRollout(),
            settings.reconcile().flapLimit());
    this.pace = Pace.start(s.cycleBase());
    Map<String, String> labels = s.register().labels();
    this.tasks =
        new AgentTasks(
            name, labels, settings.reconcile().defaultPolicy(), context.getSelf(), s.alerter());
    this.reports =
        new AgentReports(
            name,
            labels,
            tasks,
            s.alerter(),
            log,
            s.received(),
            webhook,
            context.getLog(),
            gates.flaps(),
            settings.reconcile().flapLimit(),
            gates.rollouts());
  }

  private Behavior<Command> start(AgentSession.Setup s) {
    timers.startInterval(name);
    tasks.rematch(s.state(), s.reconcilers());
    // The (re)connect trigger: the fleet's drift is known again within one cycle of a restart.
    return startCycle(CycleRequest.AUTOMATIC);
  }

  // ---- phases ----

  private Behavior<Command> idle() {
    report(CyclePhase.IDLE);
    return triggers(this::startCycle, null)
        .onMessage(FromAgent.class, this::onIdleMessage)
        .onMessage(CycleTimedOut.class, stale -> Behaviors.same())
        .build();
  }

  private Behavior<Command> checking(Cycle c) {
    report(CyclePhase.CHECKING);
    return triggers(this::later, null)
        .onMessage(FromAgent.class, m -> onCheckingMessage(c, m))
        .onMessage(CycleTimedOut.class, t -> onTimeout(c, t))
        .build();
  }

  private Behavior<Command> applying(Cycle c) {
    report(CyclePhase.APPLYING);
    return triggers(this::later, c.applying())
        .onMessage(FromAgent.class, m -> onApplyingMessage(c, m))
        .onMessage(CycleTimedOut.class, t -> onTimeout(c, t))
        .build();
  }

  /**
   * What every phase does with triggers and questions: {@code trigger} starts a cycle when idle and
   * merges into the one follow-up while a cycle is in flight.
   */
  private BehaviorBuilder<Command> triggers(
      Function<CycleRequest, Behavior<Command>> trigger, TaskSpec applying) {
    return Behaviors.receive(Command.class)
        .onMessage(FromAgent.class, PlanChecks::isReport, m -> same(() -> plans.reported(m)))
        .onMessage(PlanCheck.class, p -> same(() -> plans.start(p)))
        .onMessage(PlanCheckDropped.class, p -> same(() -> plans.drop(p.cycleId())))
        .onMessage(DesiredStateChanged.class, d -> onDesiredState(d, trigger))
        .onMessage(ManualReconcile.class, m -> onManualReconcile(m, trigger))
        .onMessage(Tick.class, t -> trigger.apply(CycleRequest.AUTOMATIC))
        .onMessage(GetDetail.class, g -> onGetDetail(g, applying))
        .onMessage(RolloutGate.class, g -> onRolloutGate(g, trigger))
        .onSignal(PostStop.class, this::onPostStop);
  }

  /** Plans' checks never touch the cycle: {@link PlanChecks} handles them in every phase. */
  private static Behavior<Command> same(Runnable effect) {
    effect.run();
    return Behaviors.same();
  }

  // ---- agent messages, per phase ----

  private Behavior<Command> onIdleMessage(FromAgent m) {
    return acked(m, other(null, m.message()));
  }

  private Behavior<Command> onCheckingMessage(Cycle c, FromAgent m) {
    if (m.message() instanceof AgentMessage.CheckReport r && r.cycleId() == c.id()) {
      return acked(m, onCheckReport(c, r));
    }
    return acked(m, other(c, m.message()));
  }

  private Behavior<Command> onApplyingMessage(Cycle c, FromAgent m) {
    AgentMessage msg = m.message();
    if (msg instanceof AgentMessage.ApplyOutput o && o.cycleId() == c.id() && c.awaits(o.task())) {
      output.add(o.executor(), o.line());
      live.output(name, o.task(), o.executor(), o.line());
      return acked(m, Behaviors.same());
    }
    if (msg instanceof AgentMessage.ApplyResult r
        && !r.late()
        && r.cycleId() == c.id()
        && c.awaits(r.task().task())) {
      output.clear();
      boolean manual = c.request().isManual(c.applying().name());
      return acked(
          m, nextApply(c.applied(reports.inCycle(c.applying(), r, settings.now(), manual))));
    }
    return acked(m, other(c, msg));
  }

  /**
   * An agent message that is not what the phase waits for: a violation when it claims to be of the
   * current cycle but cannot be; a late or given-up apply result is recorded; the rest (reports of
   * other cycles, output of a cancelled apply) is ignored.
   */
  private Behavior<Command> other(Cycle c, AgentMessage msg) {
    String misfit = c == null ? null : c.misfit(msg);
    if (misfit != null) {
      return broken(misfit);
    }
    if (msg instanceof AgentMessage.ApplyResult r) {
      reports.other(r, c == null ? null : c.applying(), settings.now());
      reportStatus();
    }
    return Behaviors.same();
  }

  private Behavior<Command> acked(FromAgent m, Behavior<Command> next) {
    link.acknowledge(m);
    return next;
  }

  // ---- the cycle ----

  private Behavior<Command> later(CycleRequest r) {
    pace = pace.later(r);
    return Behaviors.same();
  }

  private Behavior<Command> startCycle(CycleRequest r) {
    timers.starting(r.full());
    List<TaskSpec> selected = r.select(tasks.matched());
    pace = pace.issue();
    Cycle c = Cycle.checking(pace.lastIssued(), r, selected);
    if (selected.isEmpty()) {
      return endCycle(c);
    }
    send(new ServerMessage.CheckRequest(c.id(), selected));
    timers.checking(c.id());
    return checking(c);
  }

  private Behavior<Command> onCheckReport(Cycle c, AgentMessage.CheckReport report) {
    Instant now = settings.now();
    gates.checkedByHand(c);
    Cycle.CheckStep step =
        c.onCheckReport(
            report,
            spec -> tasks.current(spec) ? tasks.get(spec.name()).policy() : null,
            webhook,
            now,
            gates.of(tasks, c.request(), now));
    if (step instanceof Cycle.Misfit misfit) {
      return broken(misfit.reason());
    }
    Cycle.Judged judged = (Cycle.Judged) step;
    reports.checked(judged, now);
    timers.windowOpens(now, gates.firstOpening(judged, now));
    return nextApply(judged.next());
  }

  private Behavior<Command> nextApply(Cycle c) {
    Cycle rest = c;
    for (Cycle next = rest.nextApply(); next != null; next = rest.nextApply()) {
      TaskSpec spec = next.applying();
      if (!tasks.current(spec)) {
        rest = next.givenUpOn();
        continue;
      }
      output.clear();
      live.applyStarted(name);
      tasks.change(spec.name(), TaskState::applying);
      send(new ServerMessage.ApplyRequest(next.id(), spec));
      timers.applying(next.id());
      return applying(next);
    }
    Cycle settled = rest.settled();
    reports.waiting(settled.waiting().subList(c.waiting().size(), settled.waiting().size()));
    return endCycle(settled);
  }

  private Behavior<Command> onTimeout(Cycle c, CycleTimedOut t) {
    if (t.cycleId() != c.id()) {
      return Behaviors.same();
    }
    reports.timedOut(c, output.text(), settings.reconcile(), settings.now());
    output.clear();
    send(new ServerMessage.Cancel(c.id()));
    // The rest of the cycle is dropped: after an apply timeout the agent may still run it.
    return endCycle(c.givenUp());
  }

  private Behavior<Command> endCycle(Cycle c) {
    gates.cycleEnded(c, tasks);
    pace = pace.ended(c, settings.now());
    if (c.request().manualRequest() > 0) {
      // What --wait reports: the statuses as this cycle left them, whatever runs after it.
      lastManual = tasks.manualResult(c.request().manualRequest(), settings.now(), c.requested());
    }
    Duration retry = c.failed() ? pace.retryDelay(settings.reconcile()) : null;
    if (retry != null) {
      context
          .getLog()
          .info("Agent {}: cycle failed; retrying in {}", name, Durations.format(retry));
    }
    timers.ended(retry, pace.failedInARow() == 0);
    CycleRequest next = pace.followUp();
    if (next != null) {
      pace = pace.followUpTaken();
      return startCycle(next);
    }
    return idle();
  }

  // ---- other commands ----

  private Behavior<Command> onDesiredState(
      DesiredStateChanged d, Function<CycleRequest, Behavior<Command>> trigger) {
    tasks.rematch(d.state(), d.reconcilers());
    reportStatus();
    if (d.cycleDelay() == null) {
      return Behaviors.same();
    }
    gates.newCommit(); // flapping tasks are remediated again (issue 10)
    // The cycle checks whatever is in force when the slot comes.
    return timers.commitIn(d.cycleDelay())
        ? trigger.apply(CycleRequest.AUTOMATIC)
        : Behaviors.same();
  }

  private Behavior<Command> onManualReconcile(
      ManualReconcile m, Function<CycleRequest, Behavior<Command>> trigger) {
    if (!m.tasks().isEmpty() && !tasks.anyMatched(m.tasks())) {
      // Nothing of it is here (any more): the request is served by doing nothing.
      pace = pace.served(m.requestId());
      lastManual = new Dto.ManualResult(m.requestId(), settings.now(), List.of());
      reportStatus();
      return Behaviors.same();
    }
    return trigger.apply(CycleRequest.manual(m.tasks(), m.requestId(), m.force()));
  }

  private Behavior<Command> onRolloutGate(
      RolloutGate g, Function<CycleRequest, Behavior<Command>> trigger) {
    gates.rolloutGate(g, pace.lastIssued() + 1);
    if (!g.allowed() || !tasks.current(g.spec())) {
      return Behaviors.same();
    }
    // Allowed: a cycle now (or as the follow-up) applies it and reports the verdict.
    return trigger.apply(CycleRequest.AUTOMATIC);
  }

  private Behavior<Command> onGetDetail(GetDetail g, TaskSpec applying) {
    g.replyTo()
        .tell(Optional.of(tasks.detail(g.summary(), applying, output, settings.now(), lastManual)));
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    tasks.disconnected();
    return Behaviors.same();
  }

  private Behavior<Command> broken(String reason) {
    link.broken(reason);
    return Behaviors.same();
  }

  // ---- state ----

  private void report(CyclePhase p) {
    phase = p;
    reportStatus();
  }

  private void reportStatus() {
    link.status(
        new AgentSession.CycleStatus(
            phase, pace.lastCycleEndedAt(), tasks.counts(), pace.manualServed()));
  }

  private void send(ServerMessage m) {
    link.send(m);
  }
}

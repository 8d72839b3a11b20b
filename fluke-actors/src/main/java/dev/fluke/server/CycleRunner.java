package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.exec.Phase;
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
  public record ManualReconcile(Set<String> tasks, long requestId) implements Command {}

  /** Replies with the agent's detail: {@code summary} and every task's status. */
  public record GetDetail(Dto.AgentSummary summary, ActorRef<Optional<Dto.AgentDetail>> replyTo)
      implements Command {}

  private enum IntervalTick implements Command {
    INSTANCE
  }

  private enum RetryTick implements Command {
    INSTANCE
  }

  /** This agent's rollout slot of a new commit has come. */
  private enum CommitCycleDue implements Command {
    INSTANCE
  }

  private record CycleTimedOut(long cycleId) implements Command {}

  /** Everything a runner starts with. */
  record Setup(
      ServerSettings settings,
      String agent,
      Map<String, String> labels,
      ActorRef<Outbound> out,
      ActorRef<AgentSession.Command> session,
      ActorRef<DriftAlerter.Command> alerter,
      SessionEvents log,
      LiveHub live,
      long cycleBase,
      DesiredState state,
      Map<String, ActorRef<TaskReconciler.Command>> reconcilers,
      ReceivedResults received) {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final String name;
  private final ActorRef<Outbound> out;
  private final ActorRef<AgentSession.Command> session;
  private final SessionEvents log;
  private final LiveHub live;
  private final AgentTasks tasks;
  private final ApplyResults results;
  private final Map<String, String> labels;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final OutputTail output;
  private final boolean webhook;

  private long lastIssued; // the newest cycle id sent
  private CycleRequest followUp;
  private int failedCycles;
  private Instant lastCycleEndedAt;
  private long manualServed;
  private AgentSession.CycleStatus reported;
  private boolean
      broken; // the agent broke the protocol; the session ends the stream and this runner

  static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new CycleRunner(ctx, timers, setup).start(setup)));
  }

  private CycleRunner(ActorContext<Command> context, TimerScheduler<Command> timers, Setup s) {
    this.context = context;
    this.timers = timers;
    this.settings = s.settings();
    this.name = s.agent();
    this.out = s.out();
    this.session = s.session();
    this.log = s.log();
    this.live = s.live();
    this.output = new OutputTail(settings.agents().outputLines());
    this.webhook = settings.alerts().webhook() != null;
    this.lastIssued = s.cycleBase();
    this.tasks =
        new AgentTasks(
            name, s.labels(), settings.reconcile().defaultPolicy(), context.getSelf(), s.alerter());
    this.labels = s.labels();
    this.alerter = s.alerter();
    this.results =
        new ApplyResults(
            name, labels, tasks, alerter, log, s.received(), webhook, context.getLog());
  }

  private Behavior<Command> start(Setup s) {
    Duration interval = settings.reconcile().interval();
    timers.startTimerAtFixedRate(
        IntervalTick.INSTANCE, IntervalTick.INSTANCE, intervalOffset(name, interval), interval);
    tasks.rematch(s.state(), s.reconcilers());
    // The (re)connect trigger: the fleet's drift is known again within one cycle of a restart.
    return startCycle(CycleRequest.AUTOMATIC);
  }

  /**
   * Where in each interval this agent's periodic cycle falls: a hash of its name, so that 10,000
   * agents that connected together do not all check at the same instant, and each keeps its slot.
   */
  static Duration intervalOffset(String agentName, Duration interval) {
    long millis = Math.max(1, interval.toMillis());
    long offset = Math.floorMod(agentName.hashCode() * 0x9E3779B97F4A7C15L, millis);
    return Duration.ofMillis(offset == 0 ? millis : offset);
  }

  // ---- phases ----

  private Behavior<Command> idle() {
    report(CyclePhase.IDLE);
    return triggers(this::startCycle, null)
        .onMessage(FromAgent.class, this::onIdleMessage)
        .onMessage(CycleTimedOut.class, this::onStaleTimeout)
        .build();
  }

  private Behavior<Command> checking(Cycle c) {
    report(CyclePhase.CHECKING);
    return triggers(this::later, null)
        .onMessage(FromAgent.class, m -> onCheckingMessage(c, m))
        .onMessage(CycleTimedOut.class, t -> onCheckTimeout(c, t))
        .build();
  }

  private Behavior<Command> applying(Cycle c) {
    report(CyclePhase.APPLYING);
    return triggers(this::later, c.applying())
        .onMessage(FromAgent.class, m -> onApplyingMessage(c, m))
        .onMessage(CycleTimedOut.class, t -> onApplyTimeout(c, t))
        .build();
  }

  /**
   * What every phase does with triggers and questions: {@code trigger} starts a cycle when idle and
   * merges into the one follow-up while a cycle is in flight.
   */
  private BehaviorBuilder<Command> triggers(
      Function<CycleRequest, Behavior<Command>> trigger, TaskSpec applying) {
    return Behaviors.receive(Command.class)
        .onMessage(DesiredStateChanged.class, d -> onDesiredState(d, trigger))
        .onMessage(ManualReconcile.class, m -> onManualReconcile(m, trigger))
        .onMessageEquals(IntervalTick.INSTANCE, () -> trigger.apply(CycleRequest.AUTOMATIC))
        .onMessageEquals(RetryTick.INSTANCE, () -> trigger.apply(CycleRequest.AUTOMATIC))
        .onMessageEquals(CommitCycleDue.INSTANCE, () -> trigger.apply(CycleRequest.AUTOMATIC))
        .onMessage(GetDetail.class, g -> onGetDetail(g, applying))
        .onSignal(PostStop.class, this::onPostStop);
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
    if (m.message() instanceof AgentMessage.ApplyOutput o
        && o.cycleId() == c.id()
        && c.awaits(o.task())) {
      output.add(o.executor(), o.line());
      live.output(name, o.task(), o.executor(), o.line());
      return acked(m, Behaviors.same());
    }
    if (m.message() instanceof AgentMessage.ApplyResult r && !r.late() && r.cycleId() == c.id()) {
      return acked(
          m,
          c.awaits(r.task().task())
              ? onApplyResult(c, r)
              : broken(
                  "ApplyResult for task '"
                      + r.task().task()
                      + "' in cycle "
                      + c.id()
                      + ", but '"
                      + c.applying().name()
                      + "' was requested"));
    }
    return acked(m, other(c, m.message()));
  }

  /**
   * An agent message that is not what the phase waits for. Results of another cycle never advance
   * the current one; results that claim to be of the current cycle but cannot be are violations.
   */
  private Behavior<Command> other(Cycle c, AgentMessage msg) {
    long current = c == null ? -1 : c.id();
    if (msg instanceof AgentMessage.CheckReport r) {
      if (r.cycleId() == current) {
        return broken("CheckReport for cycle " + current + ", which is not waiting for one");
      }
      context.getLog().debug("Agent {}: ignoring CheckReport of cycle {}", name, r.cycleId());
    } else if (msg instanceof AgentMessage.ApplyResult r) {
      if (!r.late() && r.cycleId() == current) {
        return broken(
            "ApplyResult for task '"
                + r.task().task()
                + "' in cycle "
                + current
                + ", which requested no apply of it");
      }
      results.other(r, c == null ? null : c.applying(), settings.now());
      reportStatus();
    }
    // An ApplyOutput here belongs to a cancelled or earlier apply: nobody is waiting for it.
    return Behaviors.same();
  }

  /**
   * The ack lets the agent's next message in (backpressure); every apply result is acknowledged to
   * the agent too, duplicates included, after it was recorded: until then the agent keeps it and
   * re-sends it (late) after a reconnect.
   */
  private Behavior<Command> acked(FromAgent m, Behavior<Command> next) {
    if (broken) {
      return next; // the session is failing the stream: nothing more goes out
    }
    if (m.message() instanceof AgentMessage.ApplyResult r) {
      send(new ServerMessage.ApplyResultAck(r.cycleId(), r.task().task()));
    }
    // Last: the agent's next message (a heartbeat the session answers at once) must not overtake
    // what this one caused.
    m.ackTo().tell(AgentSession.Ack.INSTANCE);
    return next;
  }

  // ---- the cycle ----

  private Behavior<Command> later(CycleRequest r) {
    followUp = followUp == null ? r : followUp.merge(r);
    return Behaviors.same();
  }

  private Behavior<Command> startCycle(CycleRequest r) {
    if (r.full()) {
      // A full cycle checks what is in force now: a commit's rollout slot ahead has nothing to do.
      timers.cancel(CommitCycleDue.INSTANCE);
    }
    List<TaskSpec> selected = r.select(tasks.matched());
    Cycle c = Cycle.checking(++lastIssued, r, selected);
    if (selected.isEmpty()) {
      return endCycle(c);
    }
    send(new ServerMessage.CheckRequest(c.id(), selected));
    timers.startSingleTimer(
        CycleTimedOut.class, new CycleTimedOut(c.id()), settings.reconcile().checkTimeout());
    return checking(c);
  }

  private Behavior<Command> onCheckReport(Cycle c, AgentMessage.CheckReport report) {
    Instant now = settings.now();
    Cycle.CheckStep step =
        c.onCheckReport(
            report,
            spec -> tasks.current(spec) ? tasks.get(spec.name()).policy() : null,
            webhook,
            now);
    if (step instanceof Cycle.Misfit misfit) {
      return broken(misfit.reason());
    }
    Cycle.Judged judged = (Cycle.Judged) step;
    for (Cycle.Checked t : judged.tasks()) {
      if (t.outcome() == null) {
        log.task(Phase.CHECK, t.spec().name(), "error", "", t.verdict().message());
      } else {
        log.steps(t.spec(), t.outcome(), "");
      }
      if (!t.current()) {
        continue; // the task changed or went away meanwhile; the follow-up checks it again
      }
      DriftDecision d = t.decision();
      if (d != null && d.alertDetected()) {
        TaskState ts = tasks.get(t.spec().name());
        alerter.tell(
            new DriftAlerter.DriftDetected(
                name, labels, ts.spec().name(), ts.policy(), "not_remediated"));
        if (d.markAlerted()) {
          tasks.change(ts.spec().name(), TaskState::withAlerted);
        }
      }
      tasks.judged(t.spec(), t.verdict(), now, false);
    }
    return nextApply(judged.next());
  }

  private Behavior<Command> nextApply(Cycle c) {
    for (Cycle next = c.nextApply(); next != null; next = next.nextApply()) {
      TaskSpec spec = next.applying();
      if (!tasks.current(spec)) {
        continue;
      }
      output.clear();
      live.applyStarted(name);
      tasks.change(spec.name(), TaskState::applying);
      send(new ServerMessage.ApplyRequest(next.id(), spec));
      timers.startSingleTimer(
          CycleTimedOut.class, new CycleTimedOut(next.id()), settings.reconcile().applyTimeout());
      return applying(next);
    }
    return endCycle(c);
  }

  private Behavior<Command> onApplyResult(Cycle c, AgentMessage.ApplyResult r) {
    output.clear();
    TaskVerdict verdict = results.inCycle(c.applying(), r, settings.now());
    return nextApply(c.applied(verdict));
  }

  private Behavior<Command> onCheckTimeout(Cycle c, CycleTimedOut t) {
    if (t.cycleId() != c.id()) {
      return Behaviors.same();
    }
    String why = gaveUp("CheckReport", settings.reconcile().checkTimeout());
    context.getLog().warn("Agent {}: {}", name, why);
    send(new ServerMessage.Cancel(c.id()));
    Instant now = settings.now();
    for (TaskSpec spec : c.requested()) {
      log.task(Phase.CHECK, spec.name(), "error", "", why);
      tasks.change(spec.name(), ts -> ts.timedOut(why, now));
    }
    return endCycle(c.givenUp());
  }

  private Behavior<Command> onApplyTimeout(Cycle c, CycleTimedOut t) {
    if (t.cycleId() != c.id()) {
      return Behaviors.same();
    }
    String task = c.applying().name();
    String why = gaveUp("ApplyResult", settings.reconcile().applyTimeout());
    context.getLog().warn("Agent {}: task {}: {}", name, task, why);
    send(new ServerMessage.Cancel(c.id()));
    Instant now = settings.now();
    log.task(Phase.APPLY, task, "error", output.text(), why);
    tasks.change(task, ts -> ts.timedOut(why, now));
    output.clear();
    // The rest of this cycle's applies are dropped: the agent may still run the cancelled one.
    return endCycle(c.givenUp());
  }

  private static String gaveUp(String what, Duration timeout) {
    return "no " + what + " within " + Durations.format(timeout) + "; cancelled, will retry";
  }

  private Behavior<Command> onStaleTimeout(CycleTimedOut t) {
    return Behaviors.same();
  }

  private Behavior<Command> endCycle(Cycle c) {
    timers.cancel(CycleTimedOut.class);
    lastCycleEndedAt = settings.now();
    manualServed = Math.max(manualServed, c.request().manualRequest());
    if (c.failed()) {
      failedCycles++;
      Duration delay =
          Backoff.delay(
              failedCycles,
              settings.reconcile().retryBackoffMin(),
              settings.reconcile().retryCap());
      context
          .getLog()
          .info("Agent {}: cycle had failures; retrying in {}", name, Durations.format(delay));
      timers.startSingleTimer(RetryTick.INSTANCE, delay);
    } else if (c.request().full()) {
      // Only a full cycle proves that nothing is left to retry; a manual one-task cycle does not.
      failedCycles = 0;
      timers.cancel(RetryTick.INSTANCE);
    }
    if (followUp != null) {
      CycleRequest next = followUp;
      followUp = null;
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
    if (d.cycleDelay().isZero() || d.cycleDelay().isNegative()) {
      timers.cancel(CommitCycleDue.INSTANCE);
      return trigger.apply(CycleRequest.AUTOMATIC);
    }
    // A later commit before the slot moves the slot; the cycle checks whatever is in force then.
    timers.startSingleTimer(CommitCycleDue.INSTANCE, CommitCycleDue.INSTANCE, d.cycleDelay());
    return Behaviors.same();
  }

  private Behavior<Command> onManualReconcile(
      ManualReconcile m, Function<CycleRequest, Behavior<Command>> trigger) {
    if (!m.tasks().isEmpty() && !tasks.anyMatched(m.tasks())) {
      // Nothing of it is here (any more): the request is served by doing nothing.
      manualServed = Math.max(manualServed, m.requestId());
      reportStatus();
      return Behaviors.same();
    }
    return trigger.apply(CycleRequest.manual(m.tasks(), m.requestId()));
  }

  private Behavior<Command> onGetDetail(GetDetail g, TaskSpec applying) {
    g.replyTo()
        .tell(
            Optional.of(
                new Dto.AgentDetail(
                    g.summary(), tasks.statuses(applying, output, settings.now()), List.of())));
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    tasks.disconnected();
    return Behaviors.same();
  }

  private Behavior<Command> broken(String reason) {
    broken = true;
    session.tell(new AgentSession.Broken(reason));
    return Behaviors.same();
  }

  // ---- state ----

  private CyclePhase phase = CyclePhase.IDLE;

  private void report(CyclePhase p) {
    phase = p;
    reportStatus();
  }

  private void reportStatus() {
    AgentSession.CycleStatus now =
        new AgentSession.CycleStatus(phase, lastCycleEndedAt, tasks.counts(), manualServed);
    if (!now.equals(reported)) {
      reported = now;
      session.tell(now);
    }
  }

  private void send(ServerMessage m) {
    if (!broken) {
      out.tell(new Outbound.Send(m));
    }
  }
}

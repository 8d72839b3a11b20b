package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.events.EventStore;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One connected agent (SPEC §4, §7). Owns the outbound side of the agent's stream and runs its
 * reconcile cycles: computes the matching tasks (selector against labels, declaration order), sends
 * one CheckRequest, decides per drifted task by policy ({@link DriftDecision}), sends the
 * ApplyRequests one at a time in declaration order, records an event for every check/apply/verify
 * outcome, keeps each task's status (pushed to its {@link TaskReconciler}) and hands alerts to the
 * {@link DriftAlerter}.
 *
 * <p>Phases: {@link #idle()}, {@link #checking()}, {@link #applying()}. One cycle is in flight at a
 * time; triggers meanwhile (new snapshot, interval, retry, manual) merge into one follow-up ({@link
 * CycleRequest}). Every request has a timeout, after which the server sends Cancel and retries
 * later. Failed cycles (failed apply, execution error, timeout) are retried with backoff. Results
 * of another cycle never advance the current one. An agent silent for too many heartbeat intervals
 * is evicted; an agent that breaks the protocol gets its stream failed with a {@link
 * ProtocolViolation}. Apply output lines go to live viewers as they arrive ({@link
 * LiveHub#output}); every step result is counted in the metrics ({@link SessionEvents}).
 *
 * <p>Longer than our usual actor because the cycle state machine and the protocol checks that guard
 * it read best together; everything pure lives beside it ({@link CycleRequest}, {@link
 * DriftDecision}, {@link TaskVerdict}, {@link AgentTasks}, {@link SessionEvents}, {@link
 * OutputTail}).
 */
public final class AgentSession {

  public sealed interface Command {}

  /**
   * One message from the agent; acknowledge with {@link Ack} to get the next (inbound
   * backpressure).
   */
  public record FromAgent(AgentMessage message, ActorRef<Ack> ackTo) implements Command {}

  /** The inbound stream is attached; acknowledge to start it. */
  public record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  /** The agent closed its stream. */
  public enum StreamCompleted implements Command {
    INSTANCE
  }

  /** The agent's stream failed (connection lost, transport error). */
  public record StreamFailed(Throwable cause) implements Command {}

  /** A new desired state (from the registry). */
  /**
   * A new desired state: the tasks are rematched at once; the cycle it triggers starts after {@code
   * cycleDelay} (the commit's rollout slot of this agent, {@link ServerSettings.Rollout}).
   */
  public record DesiredStateChanged(
      DesiredState state,
      Map<String, ActorRef<TaskReconciler.Command>> reconcilers,
      Duration cycleDelay)
      implements Command {}

  /** Run a manual cycle (always applies): for these tasks, or for every matched task when empty. */
  public record ManualReconcile(Set<String> tasks) implements Command {}

  /** Replies with the agent's detail (events are added by the API). */
  public record GetDetail(ActorRef<Optional<Dto.AgentDetail>> replyTo) implements Command {}

  /** Inbound acknowledgement. */
  public enum Ack {
    INSTANCE
  }

  private enum HeartbeatTick implements Command {
    INSTANCE
  }

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

  private enum CloseTimeout implements Command {
    INSTANCE
  }

  /** Everything a session starts with (keeps {@link #create} readable). */
  public record Setup(
      ServerSettings settings,
      AgentMessage.Register register,
      String peer,
      ActorRef<Outbound> out,
      ActorRef<AgentRegistry.Command> registry,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      LiveHub live,
      FlukeMetrics metrics,
      long cycleBase,
      DesiredState state,
      Map<String, ActorRef<TaskReconciler.Command>> reconcilers,
      ReceivedResults received) {}

  private static final String IDLE = "idle";
  private static final String CHECKING = "checking";
  private static final String APPLYING = "applying";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final String name;
  private final Map<String, String> labels;
  private final String version;
  private final ActorRef<Outbound> out;
  private final ActorRef<AgentRegistry.Command> registry;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final SessionEvents log;
  private final LiveHub live;
  private final Instant connectedAt = Instant.now();

  private final AgentTasks tasks;
  private final DesiredState initialState;
  private final Map<String, ActorRef<TaskReconciler.Command>> initialReconcilers;

  private String phase = IDLE;
  private long lastIssued; // the newest cycle id sent
  private long current = -1; // the cycle in flight, -1 when idle
  private CycleRequest request;
  private List<TaskSpec> requested = List.of();
  private final ArrayDeque<TaskSpec> applyQueue = new ArrayDeque<>();
  private TaskSpec applyingTask;
  private boolean cycleFailed;
  private CycleRequest followUp;
  private int failedCycles;
  private Instant lastCycleEndedAt;

  private boolean heard = true;
  private boolean streamEnded;
  private int missed;
  private Instant lastSeen = connectedAt;

  private final OutputTail output;
  private final ReceivedResults received;

  public static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new AgentSession(ctx, timers, setup).start()));
  }

  private AgentSession(ActorContext<Command> context, TimerScheduler<Command> timers, Setup s) {
    this.context = context;
    this.timers = timers;
    this.settings = s.settings();
    this.name = s.register().name();
    this.labels = s.register().labels();
    this.version = s.register().version();
    this.out = s.out();
    this.registry = s.registry();
    this.alerter = s.alerter();
    this.log = new SessionEvents(name, s.events(), s.metrics());
    this.live = s.live();
    this.output = new OutputTail(settings.agents().outputLines());
    this.lastIssued = s.cycleBase();
    this.tasks =
        new AgentTasks(
            name, labels, settings.reconcile().defaultPolicy(), context.getSelf(), s.alerter());
    this.initialState = s.state();
    this.initialReconcilers = s.reconcilers();
    this.received = s.received();
    context
        .getLog()
        .info(
            "Agent {} connected from {} (version {}, labels {})", name, s.peer(), version, labels);
    log.agent("connected", "connected from " + s.peer() + ", version " + version);
  }

  private Behavior<Command> start() {
    Duration heartbeat = settings.agents().heartbeatInterval();
    send(new ServerMessage.Registered(settings.version(), heartbeat.toMillis()));
    timers.startTimerWithFixedDelay(HeartbeatTick.INSTANCE, heartbeat);
    Duration interval = settings.reconcile().interval();
    timers.startTimerAtFixedRate(
        IntervalTick.INSTANCE, IntervalTick.INSTANCE, intervalOffset(name, interval), interval);
    tasks.rematch(initialState, initialReconcilers);
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
    phase = IDLE;
    return common(Behaviors.receive(Command.class))
        .onMessage(FromAgent.class, this::onIdleMessage)
        .onMessage(CycleTimedOut.class, this::onStaleTimeout)
        .build();
  }

  private Behavior<Command> checking() {
    phase = CHECKING;
    return common(Behaviors.receive(Command.class))
        .onMessage(FromAgent.class, this::onCheckingMessage)
        .onMessage(CycleTimedOut.class, this::onCheckTimeout)
        .build();
  }

  private Behavior<Command> applying() {
    phase = APPLYING;
    return common(Behaviors.receive(Command.class))
        .onMessage(FromAgent.class, this::onApplyingMessage)
        .onMessage(CycleTimedOut.class, this::onApplyTimeout)
        .build();
  }

  /**
   * The session has ended the agent's stream (violation, eviction) and waits for the inbound side
   * to report its end before stopping: stopping at once would cancel the inbound side, which may
   * complete the stream before the failure that explains it has reached the agent.
   */
  private Behavior<Command> closing() {
    phase = IDLE;
    timers.cancelAll();
    timers.startSingleTimer(CloseTimeout.INSTANCE, settings.agents().heartbeatInterval());
    return Behaviors.receive(Command.class)
        .onMessageEquals(StreamCompleted.INSTANCE, this::onClosed)
        .onMessage(StreamFailed.class, this::onClosedWithFailure)
        .onMessageEquals(CloseTimeout.INSTANCE, this::onClosed)
        .onMessage(GetDetail.class, this::onGetDetail)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onClosed() {
    return Behaviors.stopped();
  }

  private Behavior<Command> onClosedWithFailure(StreamFailed f) {
    return Behaviors.stopped();
  }

  /** Handlers every phase shares; the phase decides what an agent message means. */
  private BehaviorBuilder<Command> common(BehaviorBuilder<Command> b) {
    return b.onMessage(StreamStarted.class, this::onStreamStarted)
        .onMessageEquals(StreamCompleted.INSTANCE, this::onStreamCompleted)
        .onMessage(StreamFailed.class, this::onStreamFailed)
        .onMessage(DesiredStateChanged.class, this::onDesiredState)
        .onMessage(ManualReconcile.class, this::onManualReconcile)
        .onMessage(GetDetail.class, this::onGetDetail)
        .onMessageEquals(HeartbeatTick.INSTANCE, this::onHeartbeatTick)
        .onMessageEquals(IntervalTick.INSTANCE, this::onScheduledCycle)
        .onMessageEquals(RetryTick.INSTANCE, this::onScheduledCycle)
        .onMessageEquals(CommitCycleDue.INSTANCE, this::onScheduledCycle)
        .onSignal(PostStop.class, this::onPostStop);
  }

  // ---- agent messages, per phase ----

  private Behavior<Command> onIdleMessage(FromAgent m) {
    return acked(m, anyPhase(m.message()));
  }

  private Behavior<Command> onCheckingMessage(FromAgent m) {
    if (m.message() instanceof AgentMessage.CheckReport r && r.cycleId() == current) {
      return acked(m, onCheckReport(r));
    }
    return acked(m, anyPhase(m.message()));
  }

  private Behavior<Command> onApplyingMessage(FromAgent m) {
    if (m.message() instanceof AgentMessage.ApplyOutput o
        && o.cycleId() == current
        && o.task().equals(applyingTask.name())) {
      output.add(o.executor(), o.line());
      live.output(name, o.task(), o.executor(), o.line());
      return acked(m, Behaviors.same());
    }
    if (m.message() instanceof AgentMessage.ApplyResult r && !r.late() && r.cycleId() == current) {
      return acked(
          m,
          r.task().task().equals(applyingTask.name())
              ? onApplyResult(r)
              : violation(
                  "ApplyResult for task '"
                      + r.task().task()
                      + "' in cycle "
                      + current
                      + ", but '"
                      + applyingTask.name()
                      + "' was requested"));
    }
    return acked(m, anyPhase(m.message()));
  }

  /**
   * What an agent message means when it is not what the phase waits for. Results of another cycle
   * never advance the current one; results that claim to be of the current cycle but cannot be are
   * violations.
   */
  private Behavior<Command> anyPhase(AgentMessage msg) {
    if (msg instanceof AgentMessage.Heartbeat) {
      send(new ServerMessage.Heartbeat(System.currentTimeMillis()));
    } else if (msg instanceof AgentMessage.Register) {
      return violation("Register sent twice on one stream");
    } else if (msg instanceof AgentMessage.CheckReport r) {
      if (r.cycleId() == current) {
        return violation("CheckReport for cycle " + current + ", which is not waiting for one");
      }
      context
          .getLog()
          .debug(
              "Agent {}: ignoring CheckReport of cycle {} (current {})",
              name,
              r.cycleId(),
              current);
    } else if (msg instanceof AgentMessage.ApplyResult r) {
      if (!r.late() && r.cycleId() == current) {
        return violation(
            "ApplyResult for task '"
                + r.task().task()
                + "' in cycle "
                + current
                + ", which requested no apply of it");
      }
      onOtherApplyResult(r);
    }
    // An ApplyOutput here belongs to a cancelled or earlier apply: nobody is waiting for it.
    return Behaviors.same();
  }

  /** Every agent message counts as a sign of life; the ack lets the next one in (backpressure). */
  private Behavior<Command> acked(FromAgent m, Behavior<Command> next) {
    heard = true;
    lastSeen = Instant.now();
    if (!streamEnded) {
      m.ackTo().tell(Ack.INSTANCE);
    }
    if (m.message() instanceof AgentMessage.ApplyResult r) {
      // Every result is acknowledged, duplicates too: until then the agent keeps it and re-sends it
      // (late) after a reconnect. Sent after the result was handled, so an ack means "recorded".
      send(new ServerMessage.ApplyResultAck(r.cycleId(), r.task().task()));
    }
    return next;
  }

  // ---- cycle ----

  private Behavior<Command> trigger(CycleRequest r) {
    if (phase.equals(IDLE)) {
      return startCycle(r);
    }
    followUp = followUp == null ? r : followUp.merge(r);
    return Behaviors.same();
  }

  private Behavior<Command> startCycle(CycleRequest r) {
    if (r.full()) {
      // A full cycle checks what is in force now: a commit's rollout slot still ahead has nothing
      // left to do.
      timers.cancel(CommitCycleDue.INSTANCE);
    }
    List<TaskSpec> selected = r.select(tasks.matched());
    request = r;
    cycleFailed = false;
    applyQueue.clear();
    if (selected.isEmpty()) {
      return endCycle();
    }
    current = ++lastIssued;
    requested = selected;
    send(new ServerMessage.CheckRequest(current, selected));
    timers.startSingleTimer(
        CycleTimedOut.class, new CycleTimedOut(current), settings.reconcile().checkTimeout());
    phase = CHECKING;
    pushSummary();
    return checking();
  }

  private Behavior<Command> onCheckReport(AgentMessage.CheckReport report) {
    Map<String, TaskOutcome> byTask = new HashMap<>();
    Set<String> asked = new HashSet<>();
    for (TaskSpec t : requested) {
      asked.add(t.name());
    }
    for (TaskOutcome o : report.tasks()) {
      if (!asked.contains(o.task())) {
        return violation(
            "CheckReport of cycle "
                + current
                + " has task '"
                + o.task()
                + "', which was not requested");
      }
      if (byTask.put(o.task(), o) != null) {
        return violation("CheckReport of cycle " + current + " has task '" + o.task() + "' twice");
      }
    }
    Instant now = Instant.now();
    for (TaskSpec spec : requested) {
      TaskOutcome outcome = byTask.get(spec.name());
      TaskVerdict verdict;
      if (outcome == null) {
        verdict =
            new TaskVerdict(TaskVerdict.ERROR, "the agent did not report this task", List.of());
        log.task("check", spec.name(), "error", "", verdict.message());
      } else {
        log.steps(spec, outcome, "");
        verdict = TaskVerdict.ofCheck(spec, outcome, now);
      }
      if (verdict.status().equals(TaskVerdict.ERROR)) {
        cycleFailed = true; // execution errors are retried with backoff, never applied
      }
      if (!tasks.current(spec)) {
        continue; // the task changed or went away meanwhile; the follow-up cycle checks it again
      }
      TaskState ts = tasks.get(spec.name());
      if (verdict.status().equals(TaskVerdict.DRIFTED)) {
        DriftDecision d = DriftDecision.decide(ts.policy(), request.isManual(spec.name()));
        if (d.apply()) {
          applyQueue.add(spec);
        }
        if (d.alertDetected()) {
          alerter.tell(
              new DriftAlerter.DriftDetected(
                  name, labels, spec.name(), ts.policy(), "not_remediated"));
          markAlerted(ts);
        }
      }
      tasks.update(ts, verdict, now, false);
    }
    return nextApply();
  }

  private Behavior<Command> nextApply() {
    while (!applyQueue.isEmpty()) {
      TaskSpec spec = applyQueue.poll();
      if (!tasks.current(spec)) {
        continue;
      }
      TaskState ts = tasks.get(spec.name());
      applyingTask = spec;
      output.clear();
      live.applyStarted(name);
      ts.applying();
      tasks.push(ts);
      send(new ServerMessage.ApplyRequest(current, spec));
      timers.startSingleTimer(
          CycleTimedOut.class, new CycleTimedOut(current), settings.reconcile().applyTimeout());
      phase = APPLYING;
      pushSummary();
      return applying();
    }
    return endCycle();
  }

  private Behavior<Command> onApplyResult(AgentMessage.ApplyResult r) {
    received.firstTime(r.cycleId(), r.task().task());
    TaskSpec spec = applyingTask;
    applyingTask = null;
    output.clear();
    log.steps(spec, r.task(), "");
    Instant now = Instant.now();
    TaskVerdict verdict = TaskVerdict.ofApply(spec, r.task(), now);
    if (!verdict.status().equals(TaskVerdict.SATISFIED)) {
      cycleFailed = true;
    }
    TaskState ts = tasks.get(spec.name());
    if (ts != null) {
      if (DriftDecision.decide(ts.policy(), request.isManual(spec.name())).alertRemediated()) {
        alerter.tell(
            new DriftAlerter.DriftRemediated(
                name, labels, spec.name(), ts.policy(), verdict.remediationOutcome()));
        markAlerted(ts);
      }
      tasks.update(ts, verdict, now, true);
    }
    return nextApply();
  }

  /** Shown as "alerted" only when an alert can go out: without a webhook it is just an event. */
  private void markAlerted(TaskState ts) {
    if (settings.alerts().webhook() != null) {
      ts.alerted();
    }
  }

  /** A late result (apply started on an earlier connection) or one of a cycle given up on. */
  private void onOtherApplyResult(AgentMessage.ApplyResult r) {
    String task = r.task().task();
    if (!received.firstTime(r.cycleId(), task)) {
      context
          .getLog()
          .debug(
              "Agent {}: duplicate result of task '{}' in cycle {} (acknowledged again)",
              name,
              task,
              r.cycleId());
      return;
    }
    TaskState ts = tasks.get(task);
    String note =
        r.late()
            ? "late: started on an earlier connection"
            : "cycle " + r.cycleId() + " was given up";
    log.steps(ts == null ? null : ts.spec(), r.task(), note);
    if (ts == null) {
      return;
    }
    if (TaskVerdict.APPLYING.equals(ts.status())
        && applyingTask != null
        && applyingTask.name().equals(task)) {
      return; // a newer apply of this task is running: its result will tell
    }
    Instant now = Instant.now();
    TaskVerdict verdict = TaskVerdict.ofApply(ts.spec(), r.task(), now);
    if (ts.policy() == DriftPolicy.REMEDIATE_AND_ALERT) {
      alerter.tell(
          new DriftAlerter.DriftRemediated(
              name, labels, task, ts.policy(), verdict.remediationOutcome()));
    }
    tasks.update(ts, verdict, now, true);
    pushSummary();
  }

  private Behavior<Command> onCheckTimeout(CycleTimedOut t) {
    if (t.cycleId() != current) {
      return Behaviors.same();
    }
    String why =
        "no CheckReport within "
            + Durations.format(settings.reconcile().checkTimeout())
            + "; cancelled, will retry";
    context.getLog().warn("Agent {}: {}", name, why);
    send(new ServerMessage.Cancel(current));
    Instant now = Instant.now();
    for (TaskSpec spec : requested) {
      log.task("check", spec.name(), "error", "", why);
      TaskState ts = tasks.get(spec.name());
      if (ts != null) {
        ts.timedOut(why, now);
        tasks.push(ts);
      }
    }
    cycleFailed = true;
    return endCycle();
  }

  private Behavior<Command> onApplyTimeout(CycleTimedOut t) {
    if (t.cycleId() != current) {
      return Behaviors.same();
    }
    String why =
        "no ApplyResult within "
            + Durations.format(settings.reconcile().applyTimeout())
            + "; cancelled, will retry";
    context.getLog().warn("Agent {}: task {}: {}", name, applyingTask.name(), why);
    send(new ServerMessage.Cancel(current));
    log.task("apply", applyingTask.name(), "error", output.text(), why);
    TaskState ts = tasks.get(applyingTask.name());
    if (ts != null) {
      ts.timedOut(why, Instant.now());
      tasks.push(ts);
    }
    // The rest of this cycle's applies are dropped: the agent may still be busy with the cancelled
    // one.
    applyQueue.clear();
    applyingTask = null;
    output.clear();
    cycleFailed = true;
    return endCycle();
  }

  private Behavior<Command> onStaleTimeout(CycleTimedOut t) {
    return Behaviors.same();
  }

  private Behavior<Command> endCycle() {
    timers.cancel(CycleTimedOut.class);
    current = -1;
    requested = List.of();
    applyingTask = null;
    lastCycleEndedAt = Instant.now();
    if (cycleFailed) {
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
    } else if (request == null || request.full()) {
      // Only a full cycle proves that nothing is left to retry; a manual one-task cycle does not.
      failedCycles = 0;
      timers.cancel(RetryTick.INSTANCE);
    }
    phase = IDLE;
    if (followUp != null) {
      CycleRequest next = followUp;
      followUp = null;
      return startCycle(next);
    }
    pushSummary();
    return idle();
  }

  // ---- other commands ----

  private Behavior<Command> onStreamStarted(StreamStarted s) {
    s.ackTo().tell(Ack.INSTANCE);
    return Behaviors.same();
  }

  private Behavior<Command> onStreamCompleted() {
    return disconnected("the agent closed the stream");
  }

  private Behavior<Command> onStreamFailed(StreamFailed f) {
    return disconnected("the stream failed: " + f.cause().getMessage());
  }

  private Behavior<Command> disconnected(String why) {
    context.getLog().info("Agent {} disconnected: {}", name, why);
    log.agent("disconnected", why);
    streamEnded = true;
    return Behaviors.stopped();
  }

  private Behavior<Command> onDesiredState(DesiredStateChanged d) {
    tasks.rematch(d.state(), d.reconcilers());
    if (d.cycleDelay().isZero() || d.cycleDelay().isNegative()) {
      timers.cancel(CommitCycleDue.INSTANCE);
      return trigger(CycleRequest.AUTOMATIC);
    }
    // A later commit before the slot moves the slot; the cycle checks whatever is in force then.
    timers.startSingleTimer(CommitCycleDue.INSTANCE, CommitCycleDue.INSTANCE, d.cycleDelay());
    return Behaviors.same();
  }

  private Behavior<Command> onManualReconcile(ManualReconcile m) {
    if (!m.tasks().isEmpty() && !tasks.anyMatched(m.tasks())) {
      return Behaviors.same();
    }
    return trigger(CycleRequest.manual(m.tasks()));
  }

  private Behavior<Command> onScheduledCycle() {
    return trigger(CycleRequest.AUTOMATIC);
  }

  private Behavior<Command> onHeartbeatTick() {
    if (heard) {
      missed = 0;
    } else {
      missed++;
    }
    heard = false;
    if (missed >= settings.agents().heartbeatAllowedMisses()) {
      String why =
          "no message for "
              + missed
              + " heartbeat intervals of "
              + Durations.format(settings.agents().heartbeatInterval());
      context.getLog().warn("Agent {} evicted: {}", name, why);
      log.agent("evicted", why);
      endStream(Outbound.Complete.INSTANCE);
      return closing();
    }
    pushSummary();
    return Behaviors.same();
  }

  private Behavior<Command> onGetDetail(GetDetail g) {
    g.replyTo()
        .tell(
            Optional.of(
                new Dto.AgentDetail(summary(), tasks.statuses(applyingTask, output), List.of())));
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    // A session that stops for any other reason (including a failure) still ends the agent's
    // stream,
    // so the agent reconnects to a fresh session.
    endStream(Outbound.Complete.INSTANCE);
    tasks.disconnected();
    return Behaviors.same();
  }

  private Behavior<Command> violation(String reason) {
    context.getLog().warn("Agent {} broke the protocol: {}", name, reason);
    log.agent("protocol_violation", reason);
    endStream(new Outbound.Fail(new ProtocolViolation(reason)));
    return closing();
  }

  // ---- state ----

  private void pushSummary() {
    registry.tell(new AgentRegistry.SummaryChanged(summary(), context.getSelf()));
  }

  private Dto.AgentSummary summary() {
    return new Dto.AgentSummary(
        name,
        labels,
        version,
        true,
        connectedAt,
        lastSeen,
        phase,
        lastCycleEndedAt,
        tasks.counts());
  }

  private void send(ServerMessage m) {
    if (!streamEnded) {
      out.tell(new Outbound.Send(m));
    }
  }

  private void endStream(Outbound end) {
    if (!streamEnded) {
      streamEnded = true;
      out.tell(end);
    }
  }
}

package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One connected agent's end of its stream (SPEC §4, §7): its identity, the outbound side of the
 * stream, the inbound acknowledgements, heartbeats and eviction of a silent agent, and the
 * protocol's rules. The reconcile cycles run in its child {@link CycleRunner}, which gets the
 * agent's check and apply messages and every trigger; the session composes the agent's summary from
 * its own part (connected since, last seen) and what the runner reports ({@link CycleStatus}) and
 * pushes it to the {@link AgentRegistry} whenever it changes. What goes out on the stream, and how
 * and why it ends, is the plain {@link SessionOutbound}'s.
 *
 * <p>Phases: {@link #open()} while the stream runs, {@link #ending} after the agent ended it until
 * the runner has handled what it was given, {@link #closing} after the session ended it until its
 * acknowledgements are out and the inbound side reports its end (both in {@link SessionClosing}). A
 * session stops when its stream ends; the runner stops with it.
 */
public final class AgentSession {

  public sealed interface Command {}

  /** One message from the agent; acknowledge with {@link Ack} to get the next (backpressure). */
  public record FromAgent(AgentMessage message, ActorRef<Ack> ackTo) implements Command {}

  /** The inbound stream is attached; acknowledge to start it. */
  public record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  /** The agent closed its stream. */
  public enum StreamCompleted implements Command {
    INSTANCE
  }

  /** The agent's stream failed (connection lost, transport error). */
  public record StreamFailed(Throwable cause) implements Command {}

  /**
   * A trigger for the agent's cycles ({@link CycleRunner.DesiredStateChanged}, {@link
   * CycleRunner.ManualReconcile}), passed on to its runner.
   */
  public record ForRunner(CycleRunner.Command command) implements Command {}

  /**
   * Cluster mode: this node holds more than its share ({@code why}); an idle agent's stream ends so
   * it reconnects to another node, a busy one's is left alone (the runner decides: {@link
   * CycleRunner.MoveIfIdle}).
   */
  public record Move(String why) implements Command {}

  /** From the runner: no cycle and no plan's check in flight; the agent moves. */
  record Moving(String why) implements Command {}

  /**
   * This server node is stopping (coordinated shutdown of a cluster node): the stream completes
   * normally once every acknowledgement in flight is out, and the agent reconnects elsewhere.
   */
  public enum Drain implements Command {
    INSTANCE
  }

  /** Replies with the agent's detail (events are added by the API). */
  public record GetDetail(ActorRef<Optional<Dto.AgentDetail>> replyTo) implements Command {}

  /** From the runner: where the cycles are, whenever it changes. */
  record CycleStatus(
      CyclePhase phase, Instant lastCycleEndedAt, Dto.StatusCounts counts, long manualServed)
      implements Command {
    /** The summary of the connected agent {@code register} names, with this cycle status. */
    Dto.AgentSummary summary(AgentMessage.Register register, Instant connectedAt, Instant seen) {
      return new Dto.AgentSummary(
          register.name(),
          register.labels(),
          register.version(),
          true,
          connectedAt,
          seen,
          phase,
          lastCycleEndedAt,
          counts,
          manualServed);
    }
  }

  /** From the runner: the agent sent something that breaks the protocol. */
  record Broken(String reason) implements Command {}

  /** Inbound acknowledgement. */
  public enum Ack {
    INSTANCE
  }

  private enum HeartbeatTick implements Command {
    INSTANCE
  }

  enum CloseTimeout implements Command {
    INSTANCE
  }

  enum FlushTick implements Command {
    INSTANCE
  }

  /** The runner stopped while the stream was open: a bug, never the agent's doing. */
  enum RunnerStopped implements Command {
    INSTANCE
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final AgentMessage.Register register;
  private final SessionEvents log;
  private final SessionOutbound stream;
  private final Instant connectedAt;
  private final SessionSetup setup;
  private final SessionClosing closings;
  private ActorRef<CycleRunner.Command> runner;

  private Heartbeats heartbeats;
  private CycleStatus cycles = new CycleStatus(CyclePhase.IDLE, null, Dto.StatusCounts.EMPTY, 0);

  public static Behavior<Command> create(SessionSetup setup) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new AgentSession(ctx, timers, setup).start()));
  }

  private AgentSession(
      ActorContext<Command> context, TimerScheduler<Command> timers, SessionSetup s) {
    this.context = context;
    this.timers = timers;
    this.settings = s.settings();
    this.register = s.register();
    this.connectedAt = settings.now();
    this.heartbeats = Heartbeats.start(settings.agents().heartbeatAllowedMisses(), connectedAt);
    this.log = new SessionEvents(register.name(), s.events(), s.metrics(), settings.clock());
    this.stream = new SessionOutbound(register.name(), s.out(), log, context.getLog());
    this.setup = s;
    this.closings =
        new SessionClosing(
            timers,
            settings,
            stream,
            s.received(),
            this::onCycleStatus,
            this::onGetDetailWhileClosing,
            this::onPostStop);
    stream.connected(s.peer(), register);
  }

  private Behavior<Command> start() {
    Duration heartbeat = settings.agents().heartbeatInterval();
    // Registered first: the runner starts the (re)connect cycle at once.
    stream.send(
        new ServerMessage.Registered(
            settings.version(), heartbeat.toMillis(), setup.sessionToken()));
    // A failed runner is a bug in one agent's cycle: the session ends and the agent reconnects to
    // a fresh one, which re-checks everything (SessionOutbound.runnerStopped).
    runner =
        context.spawn(
            Behaviors.supervise(CycleRunner.create(setup, context.getSelf(), log))
                .onFailure(SupervisorStrategy.stop()),
            "cycles");
    context.watchWith(runner, RunnerStopped.INSTANCE);
    timers.startTimerWithFixedDelay(HeartbeatTick.INSTANCE, heartbeat);
    return open();
  }

  private Behavior<Command> open() {
    return Behaviors.receive(Command.class)
        .onMessage(FromAgent.class, this::onFromAgent)
        .onMessage(StreamStarted.class, s -> acked(s.ackTo()))
        .onMessageEquals(StreamCompleted.INSTANCE, () -> ending("the agent closed the stream"))
        .onMessage(StreamFailed.class, f -> ending("the stream failed: " + f.cause().getMessage()))
        .onMessage(ForRunner.class, f -> toRunner(f.command()))
        .onMessage(
            GetDetail.class, g -> toRunner(new CycleRunner.GetDetail(summary(), g.replyTo())))
        .onMessage(CycleStatus.class, this::onCycleStatus)
        .onMessage(Broken.class, b -> violation(b.reason()))
        .onMessage(Move.class, m -> toRunner(new CycleRunner.MoveIfIdle(m.why())))
        .onMessage(Moving.class, m -> closing(() -> stream.moved(m.why())))
        .onMessageEquals(Drain.INSTANCE, () -> closing(stream::drained))
        .onMessageEquals(RunnerStopped.INSTANCE, () -> closing(stream::runnerStopped))
        .onMessageEquals(HeartbeatTick.INSTANCE, this::onHeartbeatTick)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  /**
   * The session ends the agent's stream ({@code streamEnds}: violation, eviction, a move, a drain,
   * a stopped runner): its runner stops, and {@link SessionClosing} lets out the acknowledgements
   * still owed before the stream ends.
   */
  private Behavior<Command> closing(Runnable streamEnds) {
    context.unwatch(runner);
    context.stop(runner);
    cycles = new CycleStatus(CyclePhase.IDLE, cycles.lastCycleEndedAt(), cycles.counts(), 0);
    return closings.closing(streamEnds);
  }

  // ---- the stream ----

  /**
   * Heartbeats are answered here; cycle messages go to the runner, which acknowledges them once
   * handled (so each agent has at most one message in flight towards the server). Every message
   * counts as a sign of life.
   */
  private Behavior<Command> onFromAgent(FromAgent m) {
    heartbeats = heartbeats.heard(settings.now());
    AgentMessage msg = m.message();
    if (msg instanceof AgentMessage.Heartbeat) {
      stream.send(new ServerMessage.Heartbeat(settings.clock().millis()));
      return acked(m.ackTo());
    }
    if (msg instanceof AgentMessage.Register) {
      m.ackTo().tell(Ack.INSTANCE);
      return violation("Register sent twice on one stream");
    }
    return toRunner(new CycleRunner.FromAgent(msg, m.ackTo()));
  }

  private Behavior<Command> acked(ActorRef<Ack> ackTo) {
    ackTo.tell(Ack.INSTANCE);
    return Behaviors.same();
  }

  /**
   * The agent's stream ended: its runner handles what it was given first ({@link
   * SessionClosing#ending}).
   */
  private Behavior<Command> ending(String why) {
    return closings.ending(runner, why);
  }

  private Behavior<Command> violation(String reason) {
    return closing(() -> stream.violation(reason));
  }

  private Behavior<Command> onHeartbeatTick() {
    heartbeats = heartbeats.tick();
    if (heartbeats.evict()) {
      String why = heartbeats.evictionReason(settings.agents().heartbeatInterval());
      return closing(() -> stream.evicted(why));
    }
    pushSummary();
    return Behaviors.same();
  }

  // ---- what the runner does ----

  private Behavior<Command> toRunner(CycleRunner.Command command) {
    runner.tell(command);
    return Behaviors.same();
  }

  private Behavior<Command> onCycleStatus(CycleStatus s) {
    cycles = s;
    pushSummary();
    return Behaviors.same();
  }

  private Behavior<Command> onGetDetailWhileClosing(GetDetail g) {
    g.replyTo().tell(Optional.of(new Dto.AgentDetail(summary(), List.of(), List.of())));
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    // A session that stops for any other reason (including a failure) still ends the agent's
    // stream, so the agent reconnects to a fresh session.
    stream.stopped();
    return Behaviors.same();
  }

  // ---- state ----

  private void pushSummary() {
    setup.registry().tell(new AgentRegistry.SummaryChanged(summary(), context.getSelf()));
  }

  private Dto.AgentSummary summary() {
    return cycles.summary(register, connectedAt, heartbeats.lastSeen());
  }
}

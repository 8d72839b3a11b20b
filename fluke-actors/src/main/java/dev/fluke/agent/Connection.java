package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.ServerMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One connection to the server (docs/protocol.md), from the first message to its end: it sends
 * {@code Register}, waits (bounded) for {@code Registered} or {@code Rejected}, then heartbeats,
 * hands requests and cancels to the work ({@link Worker}) and acknowledgements to {@link
 * ResultDelivery}, and sends what they answer through its {@link Outbox}. On {@code Registered} it
 * lets {@link ResultDelivery} send the results the server has not acknowledged before it reads
 * anything else from the stream. A child of {@link ServerLink}, which starts one per connection
 * attempt; it stops when the stream ends, and the work and the delivery then learn that the
 * connection is gone.
 *
 * <p>Phases: {@link #registering}, {@link #registered}, {@link #ending} (ended by the agent,
 * waiting for the stream to close).
 */
final class Connection {

  sealed interface Command {}

  /**
   * Send {@code message} (an answer or a late result, from {@link ResultDelivery}) once registered;
   * {@code output}, when not null, is the rest of an apply's output, sent before its result.
   */
  record Send(AgentMessage message, OutputLines output) implements Command {
    Send(AgentMessage message) {
      this(message, null);
    }
  }

  /** Output of the running apply waits in {@code lines}: stream it as the connection takes it. */
  record Output(long cycleId, String task, OutputLines lines) implements Command {}

  /** A message from the server; {@code ackTo} lets the next one in. */
  record FromServer(ServerMessage message, ActorRef<ConnectionLoop.Ack> ackTo) implements Command {}

  /** The stream ended: {@code cause} is null when the server ended it normally. */
  record Closed(Throwable cause) implements Command {}

  /** The stream took the last message sent. */
  enum Sent implements Command {
    INSTANCE
  }

  private enum HeartbeatTick implements Command {
    INSTANCE
  }

  private enum RegisterTimeout implements Command {
    INSTANCE
  }

  private record CaughtUp(ActorRef<ConnectionLoop.Ack> ackTo, Throwable failure)
      implements Command {}

  /** Why the agent ended a connection itself. */
  static final class ConnectionEnded extends RuntimeException {
    ConnectionEnded(String message) {
      super(message, null, false, false);
    }
  }

  /** What a connection works with; the same for every connection of a {@link ServerLink}. */
  record Means(
      AgentSettings settings,
      List<String> executorTypes,
      Clock clock,
      ActorRef<Worker.Command> work,
      ActorRef<ResultDelivery.Command> results) {}

  private static final String HEARTBEAT_TIMER = "heartbeat";
  private static final String REGISTER_TIMER = "register-timeout";

  /**
   * @param out the stream's outbound side for this connection
   */
  static Behavior<Command> create(long id, ActorRef<ConnectionLoop.Outgoing> out, Means means) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(Connection.class);
          return Behaviors.withTimers(
              timers -> new Connection(ctx, timers, id, new Outbox(id, out), means).start());
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final long id;
  private final Outbox outbox;
  private final Means means;
  private final AgentSettings settings;

  private Connection(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      long id,
      Outbox outbox,
      Means means) {
    this.ctx = ctx;
    this.timers = timers;
    this.id = id;
    this.outbox = outbox;
    this.means = means;
    this.settings = means.settings();
  }

  private Behavior<Command> start() {
    ctx.getLog().debug("Connecting to the server (attempt {})", id);
    outbox.send(
        new Register(
            settings.name(), settings.labels(), settings.version(), means.executorTypes()));
    timers.startSingleTimer(REGISTER_TIMER, RegisterTimeout.INSTANCE, settings.registerTimeout());
    return registering();
  }

  // ---- phases ----

  /** Register was sent; nothing else is. */
  private Behavior<Command> registering() {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(FromServer.class, this::onFromServerRegistering)
            .onMessage(RegisterTimeout.class, t -> onRegisterTimeout())
            .onMessage(Closed.class, c -> closed(c, false)));
  }

  /** Requests are taken and answers sent. */
  private Behavior<Command> registered() {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(FromServer.class, this::onFromServerRegistered)
            .onMessage(HeartbeatTick.class, t -> onHeartbeatTick())
            .onMessage(Send.class, this::onSend)
            .onMessage(Output.class, this::onOutput)
            .onMessage(Closed.class, c -> closed(c, true)));
  }

  /** Ended by the agent: nothing more is read or sent; the stream is closing. */
  private Behavior<Command> ending() {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(FromServer.class, f -> ack(f.ackTo()))
            .onMessage(Closed.class, c -> Behaviors.stopped()));
  }

  /** Adds what every phase handles alike, after the phase's own cases (which come first). */
  private Behavior<Command> common(BehaviorBuilder<Command> phase) {
    return phase
        .onMessage(Sent.class, s -> onSent())
        .onMessage(CaughtUp.class, this::onCaughtUp)
        // Not (or no longer) registered: results stay kept by ResultDelivery and go late on the
        // next connection; output is not sent late. Cancelled timers' messages may be queued.
        .onMessage(Send.class, s -> Behaviors.same())
        .onMessage(Output.class, o -> Behaviors.same())
        .onMessage(HeartbeatTick.class, t -> Behaviors.same())
        .onMessage(RegisterTimeout.class, t -> Behaviors.same())
        .onSignal(PostStop.class, s -> lost())
        .build();
  }

  // ---- from the server ----

  private Behavior<Command> onFromServerRegistering(FromServer f) {
    ServerMessage m = f.message();
    if (m instanceof ServerMessage.Registered reg) {
      // The next server message is let in once the kept results went out: see onCaughtUp.
      return onRegistered(reg, f.ackTo());
    }
    ack(f.ackTo());
    if (m instanceof ServerMessage.Rejected rej) {
      return rejected(rej);
    }
    if (m instanceof ServerMessage.CheckRequest || m instanceof ServerMessage.ApplyRequest) {
      ctx.getLog().warn("Ignoring {} that arrived before Registered", m.getClass().getSimpleName());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onFromServerRegistered(FromServer f) {
    ack(f.ackTo());
    ServerMessage m = f.message();
    if (m instanceof ServerMessage.CheckRequest || m instanceof ServerMessage.ApplyRequest) {
      means.work().tell(new Worker.Enqueue(id, m));
    } else if (m instanceof ServerMessage.Cancel c) {
      means.work().tell(new Worker.CancelCycle(id, c.cycleId()));
    } else if (m instanceof ServerMessage.ApplyResultAck a) {
      means.results().tell(new ResultDelivery.Acknowledged(id, a.cycleId(), a.task()));
    } else if (m instanceof ServerMessage.Rejected rej) {
      return rejected(rej);
    }
    // Registered again means nothing; ServerMessage.Heartbeat only keeps the connection alive.
    return Behaviors.same();
  }

  private Behavior<Command> onRegistered(
      ServerMessage.Registered reg, ActorRef<ConnectionLoop.Ack> ackTo) {
    timers.cancel(REGISTER_TIMER);
    Duration interval =
        reg.heartbeatIntervalMillis() > 0
            ? Duration.ofMillis(reg.heartbeatIntervalMillis())
            : settings.heartbeatInterval();
    timers.startTimerWithFixedDelay(HEARTBEAT_TIMER, HeartbeatTick.INSTANCE, interval);
    ctx.getLog()
        .info(
            "Registered with the server (version {}) as '{}' {}; heartbeat every {}",
            reg.serverVersion(),
            settings.name(),
            settings.labels(),
            AgentSettings.human(interval));
    ctx.ask(
        ResultDelivery.CaughtUp.class,
        means.results(),
        settings.registerTimeout(),
        replyTo -> new ResultDelivery.Registered(id, ctx.getSelf(), replyTo),
        (caughtUp, failure) -> new CaughtUp(ackTo, failure));
    return registered();
  }

  private Behavior<Command> onCaughtUp(CaughtUp c) {
    if (c.failure() != null) {
      ctx.getLog()
          .warn("Unacknowledged results could not be re-sent on registration ({})", c.failure());
    }
    return ack(c.ackTo());
  }

  private Behavior<Command> rejected(ServerMessage.Rejected rej) {
    ctx.getLog()
        .error(
            "The server REJECTED this agent ('{}'): {}. Retrying with backoff (up to {} between"
                + " attempts).",
            settings.name(),
            rej.reason(),
            AgentSettings.human(settings.reconnect().max()));
    return end("rejected by the server: " + rej.reason());
  }

  private Behavior<Command> onRegisterTimeout() {
    String timeout = AgentSettings.human(settings.registerTimeout());
    ctx.getLog().warn("The server did not answer Register within {}; reconnecting", timeout);
    return end("no answer to Register within " + timeout);
  }

  private Behavior<Command> closed(Closed c, boolean wasRegistered) {
    if (c.cause() == null) {
      ctx.getLog().info("The server ended the connection; reconnecting with backoff");
    } else if (wasRegistered) {
      ctx.getLog()
          .warn(
              "Lost the connection to the server ({}); reconnecting with backoff",
              ConnectionLoop.describe(c.cause()));
    } else {
      ctx.getLog()
          .warn(
              "Could not connect to the server ({}); retrying with backoff",
              ConnectionLoop.describe(c.cause()));
    }
    return Behaviors.stopped();
  }

  // ---- to the server ----

  private Behavior<Command> onSend(Send s) {
    if (s.message() instanceof ApplyResult r) {
      outbox.sendResult(r, s.output());
    } else {
      outbox.send(s.message());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onOutput(Output o) {
    outbox.streamOutput(o.cycleId(), o.task(), o.lines());
    return Behaviors.same();
  }

  private Behavior<Command> onHeartbeatTick() {
    if (!outbox.heartbeatWaiting()) {
      outbox.send(new Heartbeat(means.clock().millis()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSent() {
    outbox.sent();
    return Behaviors.same();
  }

  // ---- ending ----

  /** Ends the connection from this side; the connection loop then reconnects with backoff. */
  private Behavior<Command> end(String why) {
    timers.cancel(HEARTBEAT_TIMER);
    timers.cancel(REGISTER_TIMER);
    lost();
    outbox.end(new ConnectionEnded(why));
    return ending();
  }

  /** The work and the delivery learn that this connection is gone (telling them twice is fine). */
  private Behavior<Command> lost() {
    means.work().tell(new Worker.ConnectionLost(id));
    means.results().tell(new ResultDelivery.Disconnected(id));
    return Behaviors.same();
  }

  private static Behavior<Command> ack(ActorRef<ConnectionLoop.Ack> ackTo) {
    ackTo.tell(ConnectionLoop.Ack.INSTANCE);
    return Behaviors.same();
  }
}

package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.ServerMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The agent's end of its one stream to the server (SPEC §4, §5; docs/protocol.md): fed by a {@link
 * ConnectionLoop} that keeps reconnecting with backoff, it registers first on every connection,
 * heartbeats once registered, hands requests to the work ({@link Worker}) and acknowledgements to
 * {@link ResultDelivery}, and sends what they answer.
 *
 * <p>Phases: {@link #waiting} (no connection), {@link #registering} (Register sent), {@link
 * #registered}. On {@code Registered} it lets {@link ResultDelivery} send the results the server
 * has not acknowledged before it reads anything else from the stream. Outbound messages wait in the
 * {@link Connection}'s short outbox and go out one at a time as the stream takes them; apply output
 * is pulled from the running apply's bounded {@link OutputLines} only while the outbox is short.
 * Check reports of a lost connection are dropped: the server re-checks on reconnect.
 */
final class ServerLink {

  sealed interface Command {}

  /**
   * Send a check report or a late result on connection {@code connId}, if it is still the
   * registered one (otherwise dropped).
   */
  record Send(long connId, AgentMessage message) implements Command {}

  /**
   * The rest of an apply's output (null: none), then its result, on connection {@code connId} if it
   * is still the registered one.
   */
  record SendResult(long connId, ApplyResult result, OutputLines output) implements Command {}

  /** Output of the running apply waits in {@code lines}: stream it as the connection takes it. */
  record StreamOutput(long connId, long cycleId, String task, OutputLines lines)
      implements Command {}

  private record StreamInit(ActorRef<ConnectionLoop.Ack> ackTo) implements Command {}

  private record StreamElement(ActorRef<ConnectionLoop.Ack> ackTo, ConnectionLoop.Event event)
      implements Command {}

  private enum StreamCompleted implements Command {
    INSTANCE
  }

  private record StreamFailed(Throwable cause) implements Command {}

  private record OutboundAck(long connId) implements Command {}

  private enum HeartbeatTick implements Command {
    INSTANCE
  }

  private record RegisterTimeout(long connId) implements Command {}

  /** The kept results went out on {@code connId}: read on from the stream. */
  private record CaughtUp(long connId, ActorRef<ConnectionLoop.Ack> ackTo, Throwable failure)
      implements Command {}

  /** Why the agent ended a connection itself. */
  static final class ConnectionEnded extends RuntimeException {
    ConnectionEnded(String message) {
      super(message, null, false, false);
    }
  }

  private static final String HEARTBEAT_TIMER = "heartbeat";
  private static final String REGISTER_TIMER = "register-timeout";

  /**
   * @param executorTypes reported at registration
   * @param work where requests, cancels and lost connections go
   */
  static Behavior<Command> create(
      AgentSettings settings,
      ServerConnector connector,
      List<String> executorTypes,
      Clock clock,
      ActorRef<Worker.Command> work,
      ActorRef<ResultDelivery.Command> results) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(ServerLink.class);
          return Behaviors.withTimers(
              timers -> {
                ServerLink link =
                    new ServerLink(ctx, timers, settings, executorTypes, clock, work, results);
                ConnectionLoop.run(ctx, settings, connector, link.loopMessages());
                return link.waiting();
              });
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final AgentSettings settings;
  private final List<String> executorTypes;
  private final Clock clock;
  private final ActorRef<Worker.Command> work;
  private final ActorRef<ResultDelivery.Command> results;

  private ServerLink(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      AgentSettings settings,
      List<String> executorTypes,
      Clock clock,
      ActorRef<Worker.Command> work,
      ActorRef<ResultDelivery.Command> results) {
    this.ctx = ctx;
    this.timers = timers;
    this.settings = settings;
    this.executorTypes = List.copyOf(executorTypes);
    this.clock = clock;
    this.work = work;
    this.results = results;
  }

  // ---- phases ----

  /** No connection is open. */
  private Behavior<Command> waiting() {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(StreamElement.class, e -> onElement(e, null, false))
            .onMessage(Send.class, this::dropped),
        null);
  }

  /** Register was sent on {@code conn}; nothing else is. */
  private Behavior<Command> registering(Connection conn) {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(StreamElement.class, e -> onElement(e, conn, false))
            .onMessage(RegisterTimeout.class, t -> onRegisterTimeout(conn, t))
            .onMessage(Send.class, this::dropped),
        conn);
  }

  /** {@code conn} is registered: requests are taken and answers sent. */
  private Behavior<Command> registered(Connection conn) {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(StreamElement.class, e -> onElement(e, conn, true))
            .onMessage(HeartbeatTick.class, t -> onHeartbeatTick(conn))
            .onMessage(Send.class, s -> onSend(conn, s))
            .onMessage(SendResult.class, r -> onSendResult(conn, r))
            .onMessage(StreamOutput.class, o -> onStreamOutput(conn, o)),
        conn);
  }

  /**
   * Adds what every phase handles alike (after the phase's own cases, which come first) and builds;
   * {@code conn} is the open connection, or null.
   */
  private Behavior<Command> common(BehaviorBuilder<Command> phase, Connection conn) {
    return phase
        .onMessage(StreamInit.class, this::onStreamInit)
        .onMessage(OutboundAck.class, a -> onOutboundAck(conn, a))
        .onMessage(CaughtUp.class, this::onCaughtUp)
        .onMessage(StreamCompleted.class, c -> Behaviors.same())
        .onMessage(StreamFailed.class, this::onStreamFailed)
        // Results and output for a connection that is not registered (any more): ResultDelivery
        // keeps results and sends them late on the next one; output is not sent late.
        .onMessage(SendResult.class, r -> Behaviors.same())
        .onMessage(StreamOutput.class, o -> Behaviors.same())
        // Timers of a connection that is gone (a cancelled timer's message may already be queued).
        .onMessage(HeartbeatTick.class, t -> Behaviors.same())
        .onMessage(RegisterTimeout.class, t -> Behaviors.same())
        .build();
  }

  // ---- the stream ----

  private Behavior<Command> onStreamInit(StreamInit init) {
    init.ackTo().tell(ConnectionLoop.Ack.INSTANCE);
    return Behaviors.same();
  }

  /**
   * One event of the connection loop; {@code conn} is the open connection (or null) and {@code
   * registered} whether it is registered.
   */
  private Behavior<Command> onElement(StreamElement element, Connection conn, boolean registered) {
    ConnectionLoop.Event event = element.event();
    if (event instanceof ConnectionLoop.Received r
        && r.message() instanceof ServerMessage.Registered reg
        && conn != null
        && conn.id == r.connId()
        && !registered) {
      // Acknowledged (the next server message let in) once the kept results went out: see
      // onCaughtUp.
      return onRegistered(conn, reg, element.ackTo());
    }
    element.ackTo().tell(ConnectionLoop.Ack.INSTANCE);
    if (event instanceof ConnectionLoop.Opened o) {
      return opened(o);
    }
    if (event instanceof ConnectionLoop.Closed c) {
      return closed(c, conn, registered);
    }
    ConnectionLoop.Received r = (ConnectionLoop.Received) event;
    if (conn == null || conn.id != r.connId()) {
      return Behaviors.same();
    }
    return received(conn, r.message(), registered);
  }

  private Behavior<Command> opened(ConnectionLoop.Opened o) {
    Connection conn = new Connection(o.connId(), o.out());
    ctx.getLog().debug("Connecting to the server (attempt {})", o.connId());
    conn.send(new Register(settings.name(), settings.labels(), settings.version(), executorTypes));
    timers.startSingleTimer(
        REGISTER_TIMER, new RegisterTimeout(o.connId()), settings.registerTimeout());
    return registering(conn);
  }

  private Behavior<Command> received(Connection conn, ServerMessage m, boolean registered) {
    if (m instanceof ServerMessage.Rejected rej) {
      ctx.getLog()
          .error(
              "The server REJECTED this agent ('{}'): {}. Retrying with backoff (up to {} between"
                  + " attempts).",
              settings.name(),
              rej.reason(),
              AgentSettings.human(settings.reconnect().max()));
      return end(conn, "rejected by the server: " + rej.reason());
    }
    if (m instanceof ServerMessage.CheckRequest || m instanceof ServerMessage.ApplyRequest) {
      if (registered) {
        work.tell(new Worker.Enqueue(conn.id, m));
      } else {
        ctx.getLog()
            .warn("Ignoring {} that arrived before Registered", m.getClass().getSimpleName());
      }
    } else if (m instanceof ServerMessage.Cancel c) {
      work.tell(new Worker.CancelCycle(conn.id, c.cycleId()));
    } else if (m instanceof ServerMessage.ApplyResultAck a) {
      results.tell(new ResultDelivery.Acknowledged(conn.id, a.cycleId(), a.task()));
    }
    // ServerMessage.Heartbeat only keeps the connection alive.
    return Behaviors.same();
  }

  private Behavior<Command> onRegistered(
      Connection conn, ServerMessage.Registered reg, ActorRef<ConnectionLoop.Ack> ackTo) {
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
    long connId = conn.id;
    ctx.ask(
        ResultDelivery.CaughtUp.class,
        results,
        settings.registerTimeout(),
        replyTo -> new ResultDelivery.Registered(connId, ctx.getSelf(), replyTo),
        (caughtUp, failure) -> new CaughtUp(connId, ackTo, failure));
    return registered(conn);
  }

  private Behavior<Command> onCaughtUp(CaughtUp c) {
    if (c.failure() != null) {
      ctx.getLog()
          .warn("Unacknowledged results could not be re-sent on registration ({})", c.failure());
    }
    // Let the next server message in, also when the connection has gone meanwhile.
    c.ackTo().tell(ConnectionLoop.Ack.INSTANCE);
    return Behaviors.same();
  }

  private Behavior<Command> closed(
      ConnectionLoop.Closed c, Connection conn, boolean wasRegistered) {
    if (conn == null || conn.id != c.connId()) {
      ctx.getLog().debug("Connection {} ended by the agent", c.connId());
      return Behaviors.same();
    }
    lost(conn);
    if (c.cause() == null) {
      ctx.getLog().info("The server ended the connection; reconnecting with backoff");
    } else if (wasRegistered) {
      ctx.getLog()
          .warn(
              "Lost the connection to the server ({}); reconnecting with backoff",
              describe(c.cause()));
    } else {
      ctx.getLog()
          .warn("Could not connect to the server ({}); retrying with backoff", describe(c.cause()));
    }
    return waiting();
  }

  private Behavior<Command> onStreamFailed(StreamFailed f) {
    // The restart loop never ends by itself: let the parent restart this actor (and the loop).
    throw new IllegalStateException("the agent's connection loop failed", f.cause());
  }

  private Behavior<Command> onOutboundAck(Connection conn, OutboundAck ack) {
    if (conn != null && conn.id == ack.connId()) {
      conn.sent();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRegisterTimeout(Connection conn, RegisterTimeout t) {
    if (conn.id != t.connId()) {
      return Behaviors.same();
    }
    String timeout = AgentSettings.human(settings.registerTimeout());
    ctx.getLog().warn("The server did not answer Register within {}; reconnecting", timeout);
    return end(conn, "no answer to Register within " + timeout);
  }

  // ---- sending ----

  private Behavior<Command> onHeartbeatTick(Connection conn) {
    if (!conn.heartbeatWaiting()) {
      conn.send(new Heartbeat(clock.millis()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSend(Connection conn, Send s) {
    if (s.connId() != conn.id) {
      return dropped(s);
    }
    conn.send(s.message());
    return Behaviors.same();
  }

  private Behavior<Command> onSendResult(Connection conn, SendResult r) {
    // A result for an older connection is kept by ResultDelivery and sent here late instead.
    if (r.connId() == conn.id) {
      conn.sendResult(r.result(), r.output());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onStreamOutput(Connection conn, StreamOutput o) {
    if (o.connId() == conn.id) {
      conn.streamOutput(o.cycleId(), o.task(), o.lines());
    }
    return Behaviors.same();
  }

  private Behavior<Command> dropped(Send s) {
    if (s.message() instanceof CheckReport report) {
      ctx.getLog()
          .debug("Dropping the check report of cycle {}: its connection is gone", report.cycleId());
    }
    return Behaviors.same();
  }

  // ---- ending ----

  /** Ends {@code conn} from this side; the connection loop then reconnects with backoff. */
  private Behavior<Command> end(Connection conn, String why) {
    lost(conn);
    conn.end(new ConnectionEnded(why));
    return waiting();
  }

  /** {@code conn} is no longer usable: its work and results learn it at once. */
  private void lost(Connection conn) {
    timers.cancel(HEARTBEAT_TIMER);
    timers.cancel(REGISTER_TIMER);
    work.tell(new Worker.ConnectionLost(conn.id));
    results.tell(new ResultDelivery.Disconnected(conn.id));
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private ConnectionLoop.Messages<Command> loopMessages() {
    return new ConnectionLoop.Messages<>() {
      @Override
      public Command init(ActorRef<ConnectionLoop.Ack> ackTo) {
        return new StreamInit(ackTo);
      }

      @Override
      public Command event(ActorRef<ConnectionLoop.Ack> ackTo, ConnectionLoop.Event event) {
        return new StreamElement(ackTo, event);
      }

      @Override
      public Command completed() {
        return StreamCompleted.INSTANCE;
      }

      @Override
      public Command failed(Throwable cause) {
        return new StreamFailed(cause);
      }

      @Override
      public Command sent(long connId) {
        return new OutboundAck(connId);
      }
    };
  }
}

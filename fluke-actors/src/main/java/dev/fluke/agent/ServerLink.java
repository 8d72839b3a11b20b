package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The agent's end of its one stream to the server (SPEC §4, §5; docs/protocol.md). Fed by a {@link
 * ConnectionLoop} that keeps reconnecting with backoff, it registers first on every connection,
 * heartbeats once registered, hands check and apply requests to its {@link Worker} child and sends
 * back what the worker answers.
 *
 * <p>Outbound messages wait in the {@link Connection}'s short outbox and go out one at a time as
 * the stream takes them; apply output is pulled from the running apply's bounded {@link
 * OutputLines} only while the outbox is short.
 *
 * <p>Apply results are delivered at least once: every result is kept ({@link UnackedResults},
 * bounded) until the server acknowledges it with {@code ApplyResultAck}; after a reconnect, once
 * registered, every result still kept is sent again with {@code late = true}, in the order the
 * applies finished. That covers results that finished while the connection was down, ones still in
 * the outbox when it dropped, and ones the stream had already taken but the server never got.
 * Nothing is sent twice on one connection. Check reports of a lost connection are dropped, because
 * the server re-checks on reconnect.
 */
final class ServerLink extends AbstractBehavior<ServerLink.Command> {

  sealed interface Command {}

  /** Stop the agent: the stream is cancelled and running work killed. Replies Done. */
  record Stop(ActorRef<Done> replyTo) implements Command {}

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

  private record FromWorker(Worker.Report report) implements Command {}

  private static final String HEARTBEAT_TIMER = "heartbeat";
  private static final String REGISTER_TIMER = "register-timeout";

  static Behavior<Command> create(
      AgentSettings settings, ServerConnector connector, TaskRunner runner) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new ServerLink(ctx, timers, settings, connector, runner)));
  }

  private final TimerScheduler<Command> timers;
  private final AgentSettings settings;
  private final TaskRunner runner;
  private final ActorRef<Worker.Command> worker;
  private final UnackedResults unacked;

  /** The connection that is open now (there is at most one), or null. */
  private Connection conn;

  private ServerLink(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      AgentSettings settings,
      ServerConnector connector,
      TaskRunner runner) {
    super(ctx);
    this.timers = timers;
    this.settings = settings;
    this.runner = runner;
    this.unacked = new UnackedResults(settings.maxBufferedLateResults());
    ActorRef<Worker.Report> reports = ctx.messageAdapter(Worker.Report.class, FromWorker::new);
    this.worker = ctx.spawn(Worker.create(settings, runner, reports), "worker");
    ConnectionLoop.run(
        ctx,
        settings,
        connector,
        new ConnectionLoop.Messages<>() {
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
        });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StreamInit.class, this::onStreamInit)
        .onMessage(StreamElement.class, this::onStreamElement)
        .onMessage(OutboundAck.class, this::onOutboundAck)
        .onMessage(FromWorker.class, this::onFromWorker)
        .onMessage(HeartbeatTick.class, this::onHeartbeatTick)
        .onMessage(RegisterTimeout.class, this::onRegisterTimeout)
        .onMessage(StreamCompleted.class, this::onStreamCompleted)
        .onMessage(StreamFailed.class, this::onStreamFailed)
        .onMessage(Stop.class, this::onStop)
        .build();
  }

  private Behavior<Command> onStreamInit(StreamInit init) {
    init.ackTo().tell(ConnectionLoop.Ack.INSTANCE);
    return this;
  }

  private Behavior<Command> onStreamElement(StreamElement element) {
    ConnectionLoop.Event event = element.event();
    if (event instanceof ConnectionLoop.Opened o) {
      opened(o);
    } else if (event instanceof ConnectionLoop.Received r) {
      received(r);
    } else {
      closed((ConnectionLoop.Closed) event);
    }
    element.ackTo().tell(ConnectionLoop.Ack.INSTANCE);
    return this;
  }

  private void opened(ConnectionLoop.Opened o) {
    conn = new Connection(o.connId(), o.out());
    getContext().getLog().debug("Connecting to the server (attempt {})", o.connId());
    conn.send(new Register(settings.name(), settings.labels(), settings.version(), runner.types()));
    timers.startSingleTimer(
        REGISTER_TIMER, new RegisterTimeout(o.connId()), settings.registerTimeout());
  }

  private void received(ConnectionLoop.Received r) {
    if (conn == null || conn.id != r.connId() || conn.ending()) {
      return;
    }
    ServerMessage m = r.message();
    if (m instanceof ServerMessage.Registered reg) {
      registered(reg);
    } else if (m instanceof ServerMessage.Rejected rej) {
      getContext()
          .getLog()
          .error(
              "The server REJECTED this agent ('{}'): {}. Retrying with backoff (up to {} between attempts).",
              settings.name(),
              rej.reason(),
              AgentSettings.human(settings.reconnectMaxBackoff()));
      end("rejected by the server: " + rej.reason());
    } else if (m instanceof ServerMessage.CheckRequest || m instanceof ServerMessage.ApplyRequest) {
      if (conn.registered()) {
        worker.tell(new Worker.Enqueue(conn.id, m));
      } else {
        getContext()
            .getLog()
            .warn("Ignoring {} that arrived before Registered", m.getClass().getSimpleName());
      }
    } else if (m instanceof ServerMessage.Cancel c) {
      worker.tell(new Worker.CancelCycle(conn.id, c.cycleId()));
    } else if (m instanceof ServerMessage.ApplyResultAck a) {
      if (!unacked.ack(conn.id, a.cycleId(), a.task())) {
        getContext()
            .getLog()
            .debug(
                "Acknowledgement of task '{}' (cycle {}) for a result no longer kept",
                a.task(),
                a.cycleId());
      }
    }
    // ServerMessage.Heartbeat only keeps the connection alive.
  }

  private void registered(ServerMessage.Registered reg) {
    if (conn.registered()) {
      return;
    }
    conn.markRegistered();
    timers.cancel(REGISTER_TIMER);
    Duration interval =
        reg.heartbeatIntervalMillis() > 0
            ? Duration.ofMillis(reg.heartbeatIntervalMillis())
            : settings.heartbeatInterval();
    timers.startTimerWithFixedDelay(HEARTBEAT_TIMER, HeartbeatTick.INSTANCE, interval);
    getContext()
        .getLog()
        .info(
            "Registered with the server (version {}) as '{}' {}; heartbeat every {}",
            reg.serverVersion(),
            settings.name(),
            settings.labels(),
            AgentSettings.human(interval));
    resendUnacked();
  }

  private void closed(ConnectionLoop.Closed c) {
    boolean current = conn != null && conn.id == c.connId();
    boolean wasRegistered = current && conn.registered();
    boolean endedHere = current && conn.ending();
    if (current) {
      // Results sent on it and not acknowledged stay in `unacked`: they go again on the next
      // connection.
      conn = null;
      timers.cancel(HEARTBEAT_TIMER);
      timers.cancel(REGISTER_TIMER);
    }
    worker.tell(new Worker.ConnectionLost(c.connId()));
    if (endedHere) {
      getContext().getLog().debug("Connection {} ended by the agent", c.connId());
    } else if (c.cause() == null) {
      getContext().getLog().info("The server ended the connection; reconnecting with backoff");
    } else if (wasRegistered) {
      getContext()
          .getLog()
          .warn(
              "Lost the connection to the server ({}); reconnecting with backoff",
              describe(c.cause()));
    } else {
      getContext()
          .getLog()
          .warn("Could not connect to the server ({}); retrying with backoff", describe(c.cause()));
    }
  }

  private Behavior<Command> onOutboundAck(OutboundAck ack) {
    if (conn != null && conn.id == ack.connId()) {
      conn.sent();
    }
    return this;
  }

  private Behavior<Command> onFromWorker(FromWorker w) {
    if (w.report() instanceof Worker.Report.OutputReady ready) {
      if (usable(ready.connId())) {
        conn.streamOutput(ready.cycleId(), ready.task(), ready.output());
      }
      return this;
    }
    Worker.Report.Answer answer = (Worker.Report.Answer) w.report();
    if (answer.answer() instanceof CheckReport report) {
      if (usable(answer.connId())) {
        conn.send(report);
      } else {
        getContext()
            .getLog()
            .info(
                "Dropping the check report of cycle {}: its connection is gone (the server re-checks on reconnect)",
                report.cycleId());
      }
      return this;
    }
    ApplyResult result = (ApplyResult) answer.answer();
    if (usable(answer.connId())) {
      keep(result, conn.id);
      conn.sendResult(result, answer.output());
    } else {
      keep(new ApplyResult(result.cycleId(), result.task(), true), UnackedResults.NOT_SENT);
      getContext()
          .getLog()
          .info(
              "The apply of task '{}' finished while disconnected; it is reported when the agent is registered again",
              result.task().task());
      resendUnacked();
    }
    return this;
  }

  private Behavior<Command> onHeartbeatTick(HeartbeatTick tick) {
    if (conn != null && conn.usable() && !conn.heartbeatWaiting()) {
      conn.send(new Heartbeat(System.currentTimeMillis()));
    }
    return this;
  }

  private Behavior<Command> onRegisterTimeout(RegisterTimeout t) {
    if (conn != null && conn.id == t.connId() && !conn.registered() && !conn.ending()) {
      String timeout = AgentSettings.human(settings.registerTimeout());
      getContext()
          .getLog()
          .warn("The server did not answer Register within {}; reconnecting", timeout);
      end("no answer to Register within " + timeout);
    }
    return this;
  }

  private Behavior<Command> onStreamCompleted(StreamCompleted c) {
    // Only happens when the agent stops: the restart loop itself never ends.
    return this;
  }

  private Behavior<Command> onStreamFailed(StreamFailed f) {
    getContext()
        .getLog()
        .error("The agent's connection loop failed; stopping the agent", f.cause());
    return Behaviors.stopped();
  }

  private Behavior<Command> onStop(Stop stop) {
    getContext().getLog().info("Agent '{}' stopping", settings.name());
    stop.replyTo().tell(Done.getInstance());
    return Behaviors.stopped();
  }

  /** Whether {@code connId} is the open, registered connection (then {@code conn} is it). */
  private boolean usable(long connId) {
    return conn != null && conn.id == connId && conn.usable();
  }

  /**
   * Keeps a result until the server acknowledges it; the oldest kept one goes when there are too
   * many.
   */
  private void keep(ApplyResult result, long sentOn) {
    ApplyResult dropped = unacked.add(result, sentOn);
    if (dropped != null) {
      getContext()
          .getLog()
          .warn(
              "Forgetting the result of task '{}' (cycle {}) without the server's acknowledgement: more than {} "
                  + "results are waiting for one (fluke.agent.max-buffered-late-results)",
              dropped.task().task(),
              dropped.cycleId(),
              settings.maxBufferedLateResults());
    }
  }

  /** On a registered connection, sends (late) every kept result not yet sent on it. */
  private void resendUnacked() {
    if (conn == null || !conn.usable()) {
      return;
    }
    List<ApplyResult> again = unacked.resendOn(conn.id);
    if (!again.isEmpty()) {
      getContext()
          .getLog()
          .info(
              "Reporting {} apply result(s) the server has not acknowledged (late)", again.size());
      again.forEach(conn::send);
    }
  }

  /** Ends the open connection from this side; the connection loop then reconnects with backoff. */
  private void end(String why) {
    timers.cancel(HEARTBEAT_TIMER);
    timers.cancel(REGISTER_TIMER);
    conn.end(new ConnectionEnded(why));
  }

  /** Why the agent ended a connection itself. */
  static final class ConnectionEnded extends RuntimeException {
    ConnectionEnded(String message) {
      super(message, null, false, false);
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}

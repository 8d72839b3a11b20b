package dev.fluke.agent;

import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.PostStop;
import dev.fluke.agent.actor.PreRestart;
import dev.fluke.agent.actor.TimerScheduler;
import dev.fluke.hcl.Durations;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.Rebalancing;
import dev.fluke.protocol.ServerMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The agent's way to the servers (SPEC §5; docs/protocol.md, "Failover"): one {@link
 * ConnectionAttempt} at a time, to the server {@link Dialing} picks, and one {@link Connection}
 * child per attempt, which registers, heartbeats and routes. When an attempt ends — refused,
 * broken, rejected, or dropped by the agent because the server went silent — the next one goes to
 * the next server of the list after the reconnect backoff; it never gives up. Server messages and
 * the call's signals go to the connection they belong to; apply output from the {@link Worker} goes
 * to the connection it was requested on, if that is still the open one. When the link stops (the
 * agent stops), the open call is cancelled.
 *
 * <p>The loop is this actor's timer rather than {@code RestartSource.withBackoff}: which server
 * comes next, and whether the backoff starts over (a connection that stayed registered for {@code
 * reconnect.reset-after}), depend on what happened to the attempt, which only the agent knows; and
 * the agent logs where it goes next and when.
 *
 * <p>Phases: {@link #waiting} (for the backoff to pass) and {@link #attempting}. The parent ({@link
 * Agent}) restarts it with backoff should it fail.
 */
final class ServerLink {

  sealed interface Command {}

  /** Output of the running apply waits in {@code lines}: stream it if its connection is open. */
  record StreamOutput(long connId, long cycleId, String task, OutputLines lines)
      implements Command {}

  private record CallEvent(ConnectionAttempt.Ack ackTo, ConnectionAttempt.Event event)
      implements Command {}

  private record OutboundAck(long connId) implements Command {}

  private record ConnectionStopped(long connId) implements Command {}

  private enum Dial implements Command {
    INSTANCE
  }

  /** Connection {@code connId} stayed registered for {@code reset-after}. */
  private record Stable(long connId) implements Command {}

  private static final String DIAL_TIMER = "dial";
  private static final String STABLE_TIMER = "stable";

  /**
   * @param servers one connector per server, in the configured order (at least one)
   * @param executorTypes reported at registration
   * @param random picks the first server and the jitter of each backoff
   * @param work where requests, cancels and lost connections go
   */
  static Behavior<Command> create(
      AgentSettings settings,
      List<ServerConnector> servers,
      List<String> executorTypes,
      Clock clock,
      RandomGenerator random,
      ActorRef<Worker.Command> work,
      ActorRef<ResultDelivery.Command> results) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("the agent needs at least one server");
    }
    Connection.Means means = new Connection.Means(settings, executorTypes, clock, work, results);
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(ServerLink.class);
          return Behaviors.withTimers(
              timers ->
                  new ServerLink(ctx, timers, List.copyOf(servers), random, means)
                      .dial(Dialing.start(servers.size(), random)));
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final List<ServerConnector> servers;
  private final RandomGenerator random;
  private final Connection.Means means;
  private final ConnectionAttempt.Messages<Command> messages =
      new ConnectionAttempt.Messages<>(CallEvent::new, OutboundAck::new);
  private long attempts;

  /**
   * The session token of the last registration (empty before the first): the next Register sends it
   * back, so whichever node the agent reaches knows it is the host whose stream just ended.
   */
  private String resumeToken = "";

  /**
   * Attempts left that tell the server this agent was just moved by rebalancing ({@code
   * Register.moved}): one per server after a node moved it, so that each node at its share can send
   * it on once; none once it registered. Then it registers wherever it is taken.
   */
  private int movedTries;

  /** The current attempt's Register says the agent was moved. */
  private boolean moved;

  private ServerLink(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      List<ServerConnector> servers,
      RandomGenerator random,
      Connection.Means means) {
    this.ctx = ctx;
    this.timers = timers;
    this.servers = servers;
    this.random = random;
    this.means = means;
  }

  // ---- phases ----

  /** No attempt runs; the next one starts when the backoff has passed. */
  private Behavior<Command> waiting(Dialing dialing) {
    return Behaviors.receive(Command.class)
        .onMessage(Dial.class, d -> dial(dialing))
        .onMessage(CallEvent.class, e -> ack(e.ackTo()))
        // What belongs to an attempt that already ended (or a timer cancelled too late).
        .onMessage(OutboundAck.class, a -> Behaviors.same())
        .onMessage(StreamOutput.class, o -> Behaviors.same())
        .onMessage(ConnectionStopped.class, s -> Behaviors.same())
        .onMessage(Stable.class, s -> Behaviors.same())
        .build();
  }

  /** One attempt runs (its connection, once opened, registers and works). */
  private Behavior<Command> attempting(Dialing dialing, LinkAttempt attempt) {
    return Behaviors.receive(Command.class)
        .onMessage(CallEvent.class, e -> onElement(dialing, attempt, e))
        .onMessage(
            OutboundAck.class, a -> toConnection(attempt, a.connId(), Connection.Sent.INSTANCE))
        .onMessage(
            StreamOutput.class,
            o ->
                toConnection(
                    attempt, o.connId(), new Connection.Output(o.cycleId(), o.task(), o.lines())))
        .onMessage(ConnectionStopped.class, s -> onConnectionStopped(attempt, s))
        .onMessage(
            Stable.class,
            s ->
                attempt.is(s.connId())
                    ? attempting(dialing, attempt.madeStable())
                    : Behaviors.same())
        .onMessage(Dial.class, d -> Behaviors.same())
        .onSignal(PostStop.class, s -> endCall(attempt))
        .onSignal(PreRestart.class, s -> endCall(attempt))
        .build();
  }

  // ---- one attempt ----

  private Behavior<Command> dial(Dialing dialing) {
    long id = ++attempts;
    ServerConnector server = servers.get(dialing.current());
    moved = movedTries > 0;
    if (moved) {
      movedTries--;
    }
    ctx.getLog().debug("Dialing {} (attempt {})", server.address(), id);
    ConnectionAttempt call = ConnectionAttempt.start(id, server, ctx.getSelf(), messages);
    return attempting(dialing, new LinkAttempt(id, server, call, null, false, false));
  }

  private Behavior<Command> onElement(Dialing dialing, LinkAttempt attempt, CallEvent element) {
    ConnectionAttempt.Event event = element.event();
    if (event instanceof ConnectionAttempt.Opened o && attempt.is(o.connId())) {
      ActorRef<Connection.Command> c =
          ctx.spawn(
              Connection.create(
                  o.connId(),
                  attempt.server().address(),
                  o.out()::send,
                  attempt.call()::end,
                  register(),
                  means),
              "connection-" + o.connId());
      ctx.watchWith(c, new ConnectionStopped(o.connId()));
      ack(element.ackTo());
      return attempting(dialing, attempt.opened(c));
    }
    if (event instanceof ConnectionAttempt.Received r
        && attempt.is(r.connId())
        && attempt.ref() != null) {
      boolean registers = r.message() instanceof ServerMessage.Registered && !attempt.registered();
      if (registers) {
        // Before the connection hears of it: whatever it then does (the agent's registration is
        // delivered, results are sent) comes after the reset-after timer started.
        resumeToken = ((ServerMessage.Registered) r.message()).sessionToken();
        movedTries = 0;
        timers.startSingleTimer(
            STABLE_TIMER, new Stable(r.connId()), means.settings().reconnectResetAfter());
      }
      // The connection lets the next event in (it may hold it back: see Connection).
      attempt.ref().tell(new Connection.FromServer(r.message(), element.ackTo()));
      return registers ? attempting(dialing, attempt.madeRegistered()) : Behaviors.same();
    }
    ack(element.ackTo());
    if (event instanceof ConnectionAttempt.Closed c && attempt.is(c.connId())) {
      return closed(dialing, attempt, c.cause());
    }
    return Behaviors.same();
  }

  private AgentMessage.Register register() {
    AgentSettings s = means.settings();
    return new AgentMessage.Register(
        s.name(), s.labels(), s.version(), means.executorTypes(), resumeToken, moved);
  }

  /** The attempt is over: the next goes to another server after the backoff ({@link Dialing}). */
  private Behavior<Command> closed(Dialing dialing, LinkAttempt attempt, Throwable cause) {
    timers.cancel(STABLE_TIMER);
    Dialing next =
        attempt.registered() ? dialing.endedRegistered(attempt.stable(), random) : dialing.ended();
    Duration delay = next.delay(means.settings().reconnect(), random.nextDouble());
    timers.startSingleTimer(DIAL_TIMER, Dial.INSTANCE, delay);
    String plan =
        (servers.size() == 1 ? "trying again" : "trying " + servers.get(next.current()).address())
            + " in "
            + Durations.format(delay);
    String server = attempt.server().address();
    if (attempt.ref() != null) {
      ctx.stop(attempt.ref());
    }
    if (cause == null) {
      ctx.getLog().info("{} ended the connection; {}", server, plan);
    } else if (Rebalancing.describes(cause.getMessage())) {
      // Moved away from a node above its share, or sent on by one at its share.
      if (attempt.registered()) {
        movedTries = servers.size();
      }
      ctx.getLog()
          .info(
              "{} {} this agent: {}; {}",
              server,
              attempt.registered() ? "moved" : "sent on",
              ConnectionAttempt.describe(cause),
              plan);
    } else if (cause instanceof ConnectionAttempt.EndedByAgent) {
      ctx.getLog().warn("Dropped the connection to {}: {}; {}", server, cause.getMessage(), plan);
    } else {
      ctx.getLog()
          .warn(
              "{} {} ({}); {}",
              attempt.registered() ? "Lost the connection to" : "Could not connect to",
              server,
              ConnectionAttempt.describe(cause),
              plan);
    }
    return waiting(next);
  }

  private Behavior<Command> onConnectionStopped(LinkAttempt attempt, ConnectionStopped s) {
    if (!attempt.is(s.connId())) {
      return Behaviors.same();
    }
    // It stopped while its call is open (it failed): end the call; Closed follows.
    ctx.getLog().error("The handler of connection {} stopped; ending the connection", s.connId());
    attempt.call().end(new IllegalStateException("the connection's handler failed"));
    return Behaviors.same();
  }

  /** The link stops or restarts: its call ends with it. */
  private static Behavior<Command> endCall(LinkAttempt attempt) {
    attempt
        .call()
        .end(new ConnectionAttempt.EndedByAgent("the agent's link to the server stopped"));
    return Behaviors.same();
  }

  private static Behavior<Command> toConnection(
      LinkAttempt attempt, long connId, Connection.Command message) {
    if (attempt.is(connId) && attempt.ref() != null) {
      attempt.ref().tell(message);
    }
    return Behaviors.same();
  }

  private static Behavior<Command> ack(ConnectionAttempt.Ack ackTo) {
    ackTo.ack();
    return Behaviors.same();
  }
}

package dev.fluke.agent;

import static dev.fluke.hcl.Durations.format;

import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.BehaviorBuilder;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.PostStop;
import dev.fluke.agent.actor.TimerScheduler;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.Rebalancing;
import dev.fluke.protocol.ServerMessage;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * One connection to one server (docs/protocol.md), from the first message to its end: it sends
 * {@code Register}, waits (bounded) for {@code Registered} or {@code Rejected}, then heartbeats,
 * hands requests and cancels to the work ({@link Worker}) and acknowledgements to {@link
 * ResultDelivery}, and sends what they answer through its {@link Outbox}. On {@code Registered} it
 * lets {@link ResultDelivery} send the results the server has not acknowledged before it reads
 * anything else from the call. The server answers every heartbeat: a registered connection on which
 * the server sent nothing for too long ({@link ServerPulse}) is ended (a frozen or partitioned
 * server), and the agent dials the next server. A child of {@link ServerLink}, which starts one per
 * connection attempt and stops it when the call has ended (and logs how it ended); when it stops,
 * the work and the delivery learn that the connection is gone.
 *
 * <p>Phases: {@link #registering}, {@link #registered}, {@link #ending} (ended by the agent,
 * waiting for the call to close).
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
  record FromServer(ServerMessage message, ConnectionAttempt.Ack ackTo) implements Command {}

  /** The call took the last message sent. */
  enum Sent implements Command {
    INSTANCE
  }

  private enum HeartbeatTick implements Command {
    INSTANCE
  }

  private enum RegisterTimeout implements Command {
    INSTANCE
  }

  private enum ServerSilent implements Command {
    INSTANCE
  }

  private record CaughtUp(ConnectionAttempt.Ack ackTo, Throwable failure) implements Command {}

  /** What a connection works with; the same for every connection of a {@link ServerLink}. */
  record Means(
      AgentSettings settings,
      List<String> executorTypes,
      Clock clock,
      ActorRef<Worker.Command> work,
      ActorRef<ResultDelivery.Command> results) {}

  private static final String HEARTBEAT_TIMER = "heartbeat";
  private static final String REGISTER_TIMER = "register-timeout";
  private static final String SILENCE_TIMER = "silent-server";

  /**
   * @param server the server's address, for the log
   * @param out sends to the server on this connection's call
   * @param end ends this connection's call
   * @param register what this connection registers with
   */
  static Behavior<Command> create(
      long id,
      String server,
      Consumer<AgentMessage> out,
      Consumer<Throwable> end,
      Register register,
      Means means) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(Connection.class);
          return Behaviors.withTimers(
              timers ->
                  new Connection(ctx, timers, id, server, new Outbox(id, out, end), means)
                      .start(register));
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final long id; // the attempt's
  private final String server;
  private final Outbox outbox;
  private final Means means;
  private final AgentSettings settings;

  private Connection(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      long id,
      String server,
      Outbox outbox,
      Means means) {
    this.ctx = ctx;
    this.timers = timers;
    this.id = id;
    this.server = server;
    this.outbox = outbox;
    this.means = means;
    this.settings = means.settings();
  }

  private Behavior<Command> start(Register register) {
    ctx.getLog().debug("Connecting to {} (attempt {})", server, id);
    outbox.send(register);
    timers.startSingleTimer(REGISTER_TIMER, RegisterTimeout.INSTANCE, settings.registerTimeout());
    return registering();
  }

  // ---- phases ----

  /** Register was sent; nothing else is. */
  private Behavior<Command> registering() {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(FromServer.class, this::onFromServerRegistering)
            .onMessage(
                RegisterTimeout.class,
                t -> end("no answer to Register within " + format(settings.registerTimeout()))));
  }

  /** Requests are taken and answers sent; {@code pulse} paces heartbeats and bounds silence. */
  private Behavior<Command> registered(ServerPulse pulse) {
    return common(
        Behaviors.receive(Command.class)
            .onMessage(FromServer.class, f -> onFromServerRegistered(f, pulse))
            .onMessage(HeartbeatTick.class, t -> then(() -> outbox.heartbeat(means.clock())))
            .onMessage(ServerSilent.class, t -> end(pulse.silentReason()))
            .onMessage(Send.class, m -> then(() -> outbox.send(m.message(), m.output())))
            .onMessage(
                Output.class,
                o -> then(() -> outbox.streamOutput(o.cycleId(), o.task(), o.lines()))));
  }

  /** Ended by the agent: nothing more is read or sent; the call is closing. */
  private Behavior<Command> ending() {
    return common(
        Behaviors.receive(Command.class).onMessage(FromServer.class, f -> ack(f.ackTo())));
  }

  /** Adds what every phase handles alike, after the phase's own cases (which come first). */
  private Behavior<Command> common(BehaviorBuilder<Command> phase) {
    return phase
        .onMessage(Sent.class, s -> then(outbox::sent))
        .onMessage(CaughtUp.class, this::onCaughtUp)
        // Not (or no longer) registered: results stay kept by ResultDelivery and go late on the
        // next connection; output is not sent late. (A cancelled timer's message never arrives.)
        .onMessage(Send.class, s -> Behaviors.same())
        .onMessage(Output.class, o -> Behaviors.same())
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

  private Behavior<Command> onFromServerRegistered(FromServer f, ServerPulse pulse) {
    ack(f.ackTo());
    watchSilence(pulse);
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
      ServerMessage.Registered reg, ConnectionAttempt.Ack ackTo) {
    timers.cancel(REGISTER_TIMER);
    ServerPulse pulse = ServerPulse.of(reg, settings);
    timers.startTimerWithFixedDelay(HEARTBEAT_TIMER, HeartbeatTick.INSTANCE, pulse.interval());
    watchSilence(pulse);
    ctx.getLog()
        .info(
            "Connected: registered with {} (server version {}) as '{}' {}; heartbeat every {}",
            server,
            reg.serverVersion(),
            settings.name(),
            settings.labels(),
            format(pulse.interval()));
    ctx.ask(
        ResultDelivery.CaughtUp.class,
        means.results(),
        settings.registerTimeout(),
        replyTo -> new ResultDelivery.Registered(id, ctx.getSelf(), replyTo),
        (caughtUp, failure) -> new CaughtUp(ackTo, failure));
    return registered(pulse);
  }

  /** (Re)starts the wait for the server's next message, if silence is bounded. */
  private void watchSilence(ServerPulse pulse) {
    pulse
        .silence()
        .ifPresent(s -> timers.startSingleTimer(SILENCE_TIMER, ServerSilent.INSTANCE, s));
  }

  private Behavior<Command> onCaughtUp(CaughtUp c) {
    if (c.failure() != null) {
      ctx.getLog()
          .warn("Unacknowledged results could not be re-sent on registration ({})", c.failure());
    }
    return ack(c.ackTo());
  }

  /** Refused; a just-moved agent sent on by a node at its share is routine (ServerLink logs it). */
  private Behavior<Command> rejected(ServerMessage.Rejected rej) {
    if (!Rebalancing.describes(rej.reason())) {
      ctx.getLog()
          .error(
              "{} REJECTED this agent ('{}'): {}. Trying again with backoff (up to {} between"
                  + " attempts), on the next server if there are several.",
              server,
              settings.name(),
              rej.reason(),
              format(settings.reconnect().max()));
    }
    return end("rejected by the server: " + rej.reason());
  }

  /** Something for the outbox (to the server); nothing else changes. */
  private static Behavior<Command> then(Runnable toOutbox) {
    toOutbox.run();
    return Behaviors.same();
  }

  // ---- ending ----

  /**
   * Ends the connection from this side; the server link logs why (the call ends with it) and dials
   * the next server with backoff.
   */
  private Behavior<Command> end(String why) {
    timers.cancelAll();
    lost();
    outbox.end(new ConnectionAttempt.EndedByAgent(why));
    return ending();
  }

  /** The work and the delivery learn that this connection is gone (telling them twice is fine). */
  private Behavior<Command> lost() {
    means.work().tell(new Worker.ConnectionLost(id));
    means.results().tell(new ResultDelivery.Disconnected(id));
    return Behaviors.same();
  }

  private static Behavior<Command> ack(ConnectionAttempt.Ack ackTo) {
    ackTo.ack();
    return Behaviors.same();
  }
}

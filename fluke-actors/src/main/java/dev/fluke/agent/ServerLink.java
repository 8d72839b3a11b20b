package dev.fluke.agent;

import java.time.Clock;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The agent's way to the server (SPEC §5; docs/protocol.md): it runs the {@link ConnectionLoop},
 * which dials the server again after a growing, jittered delay whenever a connection fails or ends,
 * and starts one {@link Connection} child per attempt, which registers, heartbeats and routes.
 * Server messages and the stream's signals go to the connection they belong to; apply output from
 * the {@link Worker} goes to the connection it was requested on, if that is still the open one.
 *
 * <p>The parent ({@link Agent}) restarts it with backoff should the loop itself fail.
 */
final class ServerLink {

  sealed interface Command {}

  /** Output of the running apply waits in {@code lines}: stream it if its connection is open. */
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

  private record ConnectionStopped(long connId) implements Command {}

  /** The open connection: its actor and the stream's outbound side. */
  private record Open(
      long id, ActorRef<Connection.Command> ref, ActorRef<ConnectionLoop.Outgoing> out) {}

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
    Connection.Means means = new Connection.Means(settings, executorTypes, clock, work, results);
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(ServerLink.class);
          ConnectionLoop.run(
              ctx,
              settings,
              connector,
              new ConnectionLoop.Messages<>(
                  StreamInit::new,
                  StreamElement::new,
                  StreamCompleted.INSTANCE,
                  StreamFailed::new,
                  OutboundAck::new));
          return new ServerLink(ctx, means).looping(null);
        });
  }

  private final ActorContext<Command> ctx;
  private final Connection.Means means;

  private ServerLink(ActorContext<Command> ctx, Connection.Means means) {
    this.ctx = ctx;
    this.means = means;
  }

  /**
   * @param open the open connection, or null
   */
  private Behavior<Command> looping(Open open) {
    return Behaviors.receive(Command.class)
        .onMessage(StreamInit.class, i -> ack(i.ackTo()))
        .onMessage(StreamElement.class, e -> onElement(open, e))
        .onMessage(OutboundAck.class, a -> toConnection(open, a.connId(), Connection.Sent.INSTANCE))
        .onMessage(
            StreamOutput.class,
            o ->
                toConnection(
                    open, o.connId(), new Connection.Output(o.cycleId(), o.task(), o.lines())))
        .onMessage(ConnectionStopped.class, s -> onConnectionStopped(open, s))
        .onMessage(StreamCompleted.class, c -> Behaviors.same())
        .onMessage(StreamFailed.class, this::onStreamFailed)
        .build();
  }

  private Behavior<Command> onElement(Open open, StreamElement element) {
    ConnectionLoop.Event event = element.event();
    if (event instanceof ConnectionLoop.Opened o) {
      ActorRef<Connection.Command> c =
          ctx.spawn(Connection.create(o.connId(), o.out(), means), "connection-" + o.connId());
      ctx.watchWith(c, new ConnectionStopped(o.connId()));
      ack(element.ackTo());
      return looping(new Open(o.connId(), c, o.out()));
    }
    if (event instanceof ConnectionLoop.Received r && open != null && open.id() == r.connId()) {
      // The connection lets the next event in (it may hold it back: see Connection).
      open.ref().tell(new Connection.FromServer(r.message(), element.ackTo()));
      return Behaviors.same();
    }
    ack(element.ackTo());
    if (event instanceof ConnectionLoop.Closed c && open != null && open.id() == c.connId()) {
      open.ref().tell(new Connection.Closed(c.cause()));
      return looping(null);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onConnectionStopped(Open open, ConnectionStopped s) {
    if (open == null || open.id() != s.connId()) {
      return Behaviors.same();
    }
    // It stopped while its stream is open (it failed): end the stream, the loop dials again.
    ctx.getLog().error("The handler of connection {} stopped; ending the connection", s.connId());
    open.out()
        .tell(
            new ConnectionLoop.Abort(new IllegalStateException("the connection's handler failed")));
    return looping(null);
  }

  private Behavior<Command> onStreamFailed(StreamFailed f) {
    // The restart loop never ends by itself: let the parent restart this actor (and the loop).
    throw new IllegalStateException("the agent's connection loop failed", f.cause());
  }

  private static Behavior<Command> toConnection(
      Open open, long connId, Connection.Command message) {
    if (open != null && open.id() == connId) {
      open.ref().tell(message);
    }
    return Behaviors.same();
  }

  private static Behavior<Command> ack(ActorRef<ConnectionLoop.Ack> ackTo) {
    ackTo.tell(ConnectionLoop.Ack.INSTANCE);
    return Behaviors.same();
  }
}

package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.event.Logging;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.CompletionStrategy;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * The agent's connection attempts as one endless stream of {@link Event}s into an actor (SPEC §5):
 * each attempt is {@link ServerConnector#connect()} wrapped in {@code RestartSource.withBackoff}
 * (min, max, random factor), so a failed or ended connection is dialled again after a growing,
 * jittered delay.
 *
 * <p>Both directions are backpressured with acknowledgements: the actor acknowledges every event,
 * and sends a connection's outbound messages one at a time, the next only after the stream
 * acknowledged the previous one. The stream runs on a materializer bound to the actor, so it ends
 * when the actor stops.
 */
final class ConnectionLoop {

  /** What one connection attempt reports, in order: Opened, any Received, then Closed. */
  sealed interface Event {}

  /** An attempt started; {@code out} takes this connection's {@link Outgoing} messages. */
  record Opened(long connId, ActorRef<Outgoing> out) implements Event {}

  record Received(long connId, ServerMessage message) implements Event {}

  /** {@code cause} is null when the server ended the stream normally. */
  record Closed(long connId, Throwable cause) implements Event {}

  /**
   * Elements of a connection's outbound source; {@link Abort} ends it (and with it the connection).
   */
  sealed interface Outgoing {}

  record Send(AgentMessage message) implements Outgoing {}

  record Abort(Throwable cause) implements Outgoing {}

  /** The actor's acknowledgement of an event. */
  enum Ack {
    INSTANCE
  }

  /**
   * How the loop's signals become the actor's messages.
   *
   * @param sent connection {@code connId} took the last {@link Send}; the next may go
   */
  record Messages<M>(
      Function<ActorRef<Ack>, M> init,
      BiFunction<ActorRef<Ack>, Event, M> event,
      M completed,
      Function<Throwable, M> failed,
      LongFunction<M> sent) {}

  private ConnectionLoop() {}

  static <M> void run(
      ActorContext<M> ctx,
      AgentSettings settings,
      ServerConnector connector,
      Messages<M> messages) {
    Materializer mat = Materializer.createMaterializer(ctx);
    ActorRef<M> self = ctx.getSelf();
    AtomicLong ids = new AtomicLong();
    AgentSettings.Backoff reconnect = settings.reconnect();
    RestartSettings backoff =
        RestartSettings.create(reconnect.min(), reconnect.max(), reconnect.randomFactor())
            // Restarts are never limited; the backoff starts again from min-backoff only after a
            // connection stayed up for reset-after, so a server that accepts and then drops or
            // rejects at once is not hammered.
            .withMaxRestarts(Integer.MAX_VALUE, settings.reconnectResetAfter())
            // The actor logs every connection outcome itself.
            .withLogSettings(RestartSettings.createLogSettings(Logging.DebugLevel()));
    RestartSource.withBackoff(
            backoff, () -> attempt(ids.incrementAndGet(), self, connector, messages, mat))
        .runWith(
            ActorSink.<Event, M, Ack>actorRefWithBackpressure(
                self,
                (ackTo, event) -> messages.event().apply(ackTo, event),
                ackTo -> messages.init().apply(ackTo),
                Ack.INSTANCE,
                messages.completed(),
                cause -> messages.failed().apply(cause)),
            mat);
  }

  private static <M> Source<Event, NotUsed> attempt(
      long id,
      ActorRef<M> self,
      ServerConnector connector,
      Messages<M> messages,
      Materializer mat) {
    Pair<ActorRef<Outgoing>, Source<Outgoing, NotUsed>> out =
        ActorSource.<Outgoing, M>actorRefWithBackpressure(
                self,
                messages.sent().apply(id),
                ConnectionLoop::completion,
                ConnectionLoop::failure)
            .preMaterialize(mat);
    Source<Event, NotUsed> opened = Source.single(new Opened(id, out.first()));
    // Lazy, so the server is dialled only once Opened has been emitted: events stay in order.
    Source<Event, NotUsed> traffic =
        Source.lazySource(
                () ->
                    out.second()
                        .map(o -> ((Send) o).message())
                        .via(connector.connect())
                        .<Event>map(m -> new Received(id, m)))
            .mapMaterializedValue(m -> NotUsed.getInstance());
    return opened
        .concat(traffic)
        .concat(Source.single(new Closed(id, null)))
        .recover(new PFBuilder<Throwable, Event>().matchAny(t -> new Closed(id, t)).build());
  }

  /** Why a connection ended, in a few words. */
  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private static Optional<CompletionStrategy> completion(Outgoing o) {
    // The agent never completes its side: a connection ends by Abort, by the server or by the
    // transport.
    return Optional.empty();
  }

  private static Optional<Throwable> failure(Outgoing o) {
    return o instanceof Abort a ? Optional.of(a.cause()) : Optional.empty();
  }
}

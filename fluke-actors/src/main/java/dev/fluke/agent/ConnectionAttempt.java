package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.CompletionStrategy;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * One attempt to talk to one server, as a stream of {@link Event}s into an actor ({@link
 * ServerLink}, which decides when and where the next attempt goes: {@link Dialing}): {@link
 * Opened}, any number of {@link Received}, then exactly one {@link Closed}, whatever happens — a
 * refused connection, a failed or ended stream, or the agent ending it.
 *
 * <p>Both directions are backpressured with acknowledgements: the actor acknowledges every event,
 * and sends the connection's outbound messages one at a time, the next only after the stream
 * acknowledged the previous one.
 *
 * <p>The agent ends an attempt with its {@link SharedKillSwitch}: aborting it fails the outbound
 * side (the server sees the call cancelled) and turns the inbound side into {@link Closed} at once,
 * so a connection to a server that no longer answers (frozen, partitioned away) ends when the agent
 * decides, not when TCP finds out. The stream runs on a materializer bound to the actor, so it ends
 * when the actor stops.
 */
final class ConnectionAttempt {

  /** What one connection attempt reports, in order: Opened, any Received, then Closed. */
  sealed interface Event {}

  /** The attempt started; {@code out} takes this connection's {@link Send} messages. */
  record Opened(long connId, ActorRef<Send> out) implements Event {}

  record Received(long connId, ServerMessage message) implements Event {}

  /** {@code cause} is null when the server ended the stream normally. */
  record Closed(long connId, Throwable cause) implements Event {}

  /** One element of a connection's outbound source. */
  record Send(AgentMessage message) {}

  /** Why the agent ended a connection itself (a register timeout, a rejection, a silent server). */
  static final class EndedByAgent extends RuntimeException {
    EndedByAgent(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The actor's acknowledgement of an event. One that arrives after its stream ended (the
   * connection dropped while the actor read its last event) is expected, so it is not logged as a
   * dead letter.
   */
  enum Ack implements DeadLetterSuppression {
    INSTANCE
  }

  /**
   * How an attempt's signals become the actor's messages.
   *
   * @param ended the attempt's stream of events completed (cause null; always after {@link Closed})
   *     or failed
   * @param sent connection {@code connId} took the last {@link Send}; the next may go
   */
  record Messages<M>(
      Function<ActorRef<Ack>, M> init,
      BiFunction<ActorRef<Ack>, Event, M> event,
      BiFunction<Long, Throwable, M> ended,
      LongFunction<M> sent) {}

  private ConnectionAttempt() {}

  /**
   * Dials {@code server} (only once {@link Opened} was acknowledged, so events stay in order).
   *
   * @param end ends the attempt when aborted; one per attempt
   */
  static <M> void start(
      long id,
      ServerConnector server,
      SharedKillSwitch end,
      ActorRef<M> self,
      Messages<M> messages,
      Materializer mat) {
    Pair<ActorRef<Send>, Source<Send, NotUsed>> out =
        ActorSource.<Send, M>actorRefWithBackpressure(
                self,
                messages.sent().apply(id),
                ConnectionAttempt::completion,
                ConnectionAttempt::failure)
            .preMaterialize(mat);
    Source<Event, NotUsed> opened = Source.single(new Opened(id, out.first()));
    Source<Event, NotUsed> traffic =
        Source.lazySource(
                () ->
                    out.second()
                        .via(end.flow())
                        .map(Send::message)
                        .via(server.connect())
                        .<Event>map(m -> new Received(id, m)))
            .mapMaterializedValue(m -> NotUsed.getInstance());
    opened
        .concat(traffic)
        .concat(Source.single(new Closed(id, null)))
        .via(end.flow())
        .recover(new PFBuilder<Throwable, Event>().matchAny(t -> new Closed(id, t)).build())
        .runWith(
            ActorSink.<Event, M, Ack>actorRefWithBackpressure(
                self,
                (ackTo, event) -> messages.event().apply(ackTo, event),
                ackTo -> messages.init().apply(ackTo),
                Ack.INSTANCE,
                messages.ended().apply(id, null),
                cause -> messages.ended().apply(id, cause)),
            mat);
  }

  /** Why a connection ended, in a few words. */
  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private static Optional<CompletionStrategy> completion(Send s) {
    // The agent never completes its side: a connection ends by the kill switch, by the server or by
    // the transport.
    return Optional.empty();
  }

  private static Optional<Throwable> failure(Send s) {
    return Optional.empty();
  }
}

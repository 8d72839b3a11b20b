package dev.fluke.server;

import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.hcl.Durations;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.StreamSubscriptionTimeoutTerminationMode;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AgentGateway} over Pekko Streams and actors. Each materialization is one agent connection:
 *
 * <ul>
 *   <li>outbound: an {@code ActorSource} with a bounded buffer that the agent's session writes to;
 *       if the agent stops reading and the buffer fills, the stream fails (a slow agent never grows
 *       memory);
 *   <li>inbound: the first message must be Register (within {@code register-timeout}); it goes to
 *       the {@link AgentRegistry}, and the rest of the stream goes to the session through an {@code
 *       ActorSink} with acknowledgements (backpressure: one message at a time per agent).
 * </ul>
 *
 * Both directions are coupled: when one ends the other ends too.
 */
final class StreamGateway implements AgentGateway {
  private static final Logger log = LoggerFactory.getLogger(StreamGateway.class);

  /**
   * How long the agent's messages after Register may wait unread while the registration is decided:
   * longer than any admission can take (a cluster's admission-patience of 20 s plus asking the
   * holding node), and past the agent's own 30 s register-timeout.
   */
  static final java.time.Duration HANDSHAKE_LIMIT = java.time.Duration.ofSeconds(60);

  private final ActorSystem<?> system;
  private final ActorRef<AgentRegistry.Command> registry;
  private final ServerSettings settings;
  private final EventStore events;

  /** Ends every agent stream at once (coordinated shutdown of a cluster node: {@link #drain()}). */
  private final SharedKillSwitch drain = KillSwitches.shared("fluke-agent-streams");

  StreamGateway(
      ActorSystem<?> system,
      ActorRef<AgentRegistry.Command> registry,
      ServerSettings settings,
      EventStore events) {
    this.system = system;
    this.registry = registry;
    this.settings = settings;
    this.events = events;
  }

  @Override
  public Flow<AgentMessage, ServerMessage, NotUsed> connect(String peer) {
    return Flow.<AgentMessage, ServerMessage, NotUsed>fromMaterializer(
            (mat, attributes) -> connection(peer, mat))
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private Flow<AgentMessage, ServerMessage, NotUsed> connection(String peer, Materializer mat) {
    // Materialized together with the inbound side, so the outbound ref exists before any agent
    // message.
    CompletableFuture<ActorRef<Outbound>> outbound = new CompletableFuture<>();
    AtomicReference<Cancellable> registerTimer = new AtomicReference<>();
    AtomicBoolean started = new AtomicBoolean();
    Source<ServerMessage, NotUsed> toAgent =
        ActorSource.actorRef(
                Outbound::isComplete,
                Outbound::failure,
                settings.agents().streamBuffer(),
                OverflowStrategy.fail())
            .mapMaterializedValue(
                out -> {
                  outbound.complete(out);
                  return NotUsed.getInstance();
                })
            // Only Send reaches the stream: Complete and Fail are consumed by the source's
            // matchers.
            .map(o -> ((Outbound.Send) o).message());
    Sink<AgentMessage, NotUsed> fromAgent =
        Flow.<AgentMessage>create()
            .prefixAndTail(1)
            // The rest of the agent's messages is read only once the registration is decided, and
            // in a cluster that may wait for the agent directory (admission-patience, 20 s) and a
            // holding node's answer: the stream's default 5 s would cancel it first (the agent,
            // admitted at last, saw its stream fail at once).
            .withAttributes(
                ActorAttributes.streamSubscriptionTimeout(
                    HANDSHAKE_LIMIT, StreamSubscriptionTimeoutTerminationMode.cancel()))
            .mapAsync(
                1,
                first -> {
                  started.set(true);
                  Cancellable timer = registerTimer.getAndSet(null);
                  if (timer != null) {
                    timer.cancel();
                  }
                  return handshake(peer, first.first(), first.second(), outbound.join(), mat);
                })
            .to(Sink.ignore());
    Flow<AgentMessage, ServerMessage, NotUsed> flow =
        Flow.fromSinkAndSourceCoupled(fromAgent, toAgent).via(drain.flow());
    return flow.mapMaterializedValue(
        notUsed -> {
          // A stream that never registers is dropped; failing the outbound side ends both
          // directions.
          ActorRef<Outbound> out = outbound.join();
          Cancellable timer =
              system
                  .scheduler()
                  .scheduleOnce(
                      settings.agents().registerTimeout(),
                      () -> {
                        if (!started.get()) {
                          out.tell(
                              new Outbound.Fail(
                                  new ProtocolViolation(
                                      "no Register within "
                                          + Durations.format(
                                              settings.agents().registerTimeout()))));
                        }
                      },
                      system.executionContext());
          registerTimer.set(timer);
          return notUsed;
        });
  }

  /**
   * Completes every agent stream, now and from now on (the agents see their stream end normally and
   * reconnect, to another node in cluster mode).
   */
  void drain() {
    drain.shutdown();
  }

  private CompletionStage<Done> handshake(
      String peer,
      List<AgentMessage> first,
      Source<AgentMessage, NotUsed> rest,
      ActorRef<Outbound> out,
      Materializer mat) {
    if (first.isEmpty()) {
      out.tell(Outbound.Complete.INSTANCE); // closed before registering
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    if (!(first.get(0) instanceof AgentMessage.Register register)) {
      String reason =
          "the first message must be Register, got " + first.get(0).getClass().getSimpleName();
      log.warn("Connection from {}: {}", peer, reason);
      events.append(
          Event.agent(settings.now(), "", "protocol_violation", reason + " (peer " + peer + ")"));
      out.tell(new Outbound.Fail(new ProtocolViolation(reason)));
      rest.runWith(Sink.ignore(), mat);
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    // As long as a stream may take to register at all: under a reconnect storm the registry's queue
    // is
    // long, and an answer that comes late is better than the agent's backoff and another try.
    Duration timeout = settings.agents().registerTimeout();
    Instant deadline = settings.now().plus(timeout);
    CompletionStage<AgentRegistry.ConnectReply> reply =
        AskPattern.ask(
            registry,
            replyTo -> new AgentRegistry.Connect(register, peer, out, replyTo, deadline),
            timeout,
            system.scheduler());
    return reply.handle(
        (r, failure) -> {
          if (r instanceof AgentRegistry.Accepted accepted) {
            rest.runWith(
                ActorSink.actorRefWithBackpressure(
                    accepted.session(),
                    (ActorRef<AgentSession.Ack> ackTo, AgentMessage m) ->
                        new AgentSession.FromAgent(m, ackTo),
                    AgentSession.StreamStarted::new,
                    AgentSession.Ack.INSTANCE,
                    AgentSession.StreamCompleted.INSTANCE,
                    AgentSession.StreamFailed::new),
                mat);
          } else if (r instanceof AgentRegistry.Refused refused) {
            // Rejected, then complete; draining the rest keeps the inbound side open until Rejected
            // is out.
            out.tell(new Outbound.Send(new ServerMessage.Rejected(refused.reason())));
            out.tell(Outbound.Complete.INSTANCE);
            rest.runWith(Sink.ignore(), mat);
          } else {
            // Told after the Connect (same sender, same order): a session made for it just too late
            // is stopped.
            registry.tell(new AgentRegistry.Abandoned(register.name(), out));
            out.tell(
                new Outbound.Fail(
                    new IllegalStateException(
                        "the server did not take the registration of "
                            + register.name()
                            + " in time: "
                            + failure)));
            rest.runWith(Sink.ignore(), mat);
          }
          return Done.getInstance();
        });
  }
}

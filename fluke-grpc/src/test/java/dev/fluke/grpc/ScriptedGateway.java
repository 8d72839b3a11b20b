package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import dev.fluke.server.AgentGateway;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;

/**
 * The server side played by the test: every agent stream the gateway gets becomes a {@link
 * Session}. Like the real server's session, a session acknowledges every {@code ApplyResult} it
 * receives (as the test reads it) with {@code ApplyResultAck}, unless the gateway was made with
 * {@link #withoutAcks}.
 */
final class ScriptedGateway implements AgentGateway {
  private final ActorSystem<?> system;
  private final boolean acks;
  private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
  private final AtomicInteger connects = new AtomicInteger();

  ScriptedGateway(ActorSystem<?> system) {
    this(system, true);
  }

  private ScriptedGateway(ActorSystem<?> system, boolean acks) {
    this.system = system;
    this.acks = acks;
  }

  /**
   * A gateway whose sessions never acknowledge apply results (a server that goes away before it
   * does).
   */
  static ScriptedGateway withoutAcks(ActorSystem<?> system) {
    return new ScriptedGateway(system, false);
  }

  /** How often {@link #connect} was called (i.e. how many streams got past authentication). */
  int connects() {
    return connects.get();
  }

  @Override
  public Flow<AgentMessage, ServerMessage, NotUsed> connect(String peer) {
    connects.incrementAndGet();
    return Flow.fromSinkAndSourceCoupledMat(
            TestSink.<AgentMessage>create(system),
            TestSource.<ServerMessage>create(system),
            Keep.both())
        .mapMaterializedValue(
            p -> {
              sessions.add(new Session(peer, p.first(), p.second(), acks));
              return NotUsed.getInstance();
            });
  }

  /** The next stream; like a real session, it reads everything the agent sends as it comes. */
  Session nextSession() throws InterruptedException {
    Session s = sessions.poll(20, TimeUnit.SECONDS);
    assertNotNull(s, "no agent stream reached the gateway");
    s.fromAgent().request(Long.MAX_VALUE);
    return s;
  }

  record Session(
      String peer,
      TestSubscriber.Probe<AgentMessage> fromAgent,
      TestPublisher.Probe<ServerMessage> toAgent,
      boolean acks) {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The agent's next message; an ApplyResult is acknowledged before the test sees it. */
    AgentMessage next() {
      AgentMessage m = fromAgent.expectNext(WAIT);
      if (acks && m instanceof AgentMessage.ApplyResult r) {
        send(new ServerMessage.ApplyResultAck(r.cycleId(), r.task().task()));
      }
      return m;
    }

    /** The next message that is not a heartbeat, which must be of this type. */
    <T extends AgentMessage> T next(Class<T> type) {
      AgentMessage m = next();
      while (m instanceof AgentMessage.Heartbeat) {
        m = next();
      }
      if (!type.isInstance(m)) {
        throw new AssertionError("expected " + type.getSimpleName() + " but the agent sent " + m);
      }
      return type.cast(m);
    }

    void send(ServerMessage m) {
      toAgent.sendNext(m);
    }
  }
}

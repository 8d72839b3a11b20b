package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;

/**
 * A server the test plays by hand: every connection attempt becomes a {@link Link} (two stream
 * probes); attempts can also be scripted to fail like a refused connection.
 */
public final class ScriptedConnector implements ServerConnector {

  private final ActorSystem<?> system;
  private final String address;
  private final BlockingQueue<Link> links = new LinkedBlockingQueue<>();
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger failuresToScript = new AtomicInteger();
  private final Consumer<String> dialled;

  public ScriptedConnector(ActorSystem<?> system) {
    this(system, "the server", address -> {});
  }

  /**
   * One of several servers, named {@code address} in the agent's log; every attempt tells {@code
   * dialled} its address (shared by the servers, it sees the order they were dialled in).
   */
  public ScriptedConnector(ActorSystem<?> system, String address, Consumer<String> dialled) {
    this.system = system;
    this.address = address;
    this.dialled = dialled;
  }

  @Override
  public String address() {
    return address;
  }

  /** The next {@code n} attempts fail at once. */
  public ScriptedConnector failNext(int n) {
    failuresToScript.set(n);
    return this;
  }

  public int attempts() {
    return attempts.get();
  }

  @Override
  public Flow<AgentMessage, ServerMessage, NotUsed> connect() {
    attempts.incrementAndGet();
    dialled.accept(address);
    if (failuresToScript.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return Flow.fromSinkAndSource(
          Sink.ignore(), Source.failed(new IOException("connection refused (scripted)")));
    }
    return Flow.fromSinkAndSourceCoupledMat(
            TestSink.<AgentMessage>create(system),
            TestSource.<ServerMessage>create(system),
            Keep.both())
        .mapMaterializedValue(
            p -> {
              links.add(new Link(p.first(), p.second()));
              return NotUsed.getInstance();
            });
  }

  /** Waits for the agent's next connection. */
  public Link nextLink() throws InterruptedException {
    Link link = links.poll(20, TimeUnit.SECONDS);
    assertNotNull(link, "the agent did not connect");
    return link;
  }

  /**
   * Waits for the agent's next connection while moving manual time on by {@code step} at a time
   * (the reconnect backoff runs on the scheduler), and says how many steps it took.
   */
  public Reconnected nextLink(ManualTime time, Duration step) throws InterruptedException {
    for (int steps = 0; steps < 400; steps++) {
      Link link = links.poll(100, TimeUnit.MILLISECONDS);
      if (link != null) {
        return new Reconnected(link, steps);
      }
      time.timePasses(step);
    }
    throw new AssertionError("the agent did not connect");
  }

  /** A connection and how many steps of manual time passed before it. */
  public record Reconnected(Link link, int steps) {}

  /** One connection, seen from the server. */
  public record Link(
      TestSubscriber.Probe<AgentMessage> fromAgent, TestPublisher.Probe<ServerMessage> toAgent) {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The agent's next message, heartbeats included. */
    public AgentMessage next() {
      return fromAgent.requestNext(WAIT);
    }

    /** The agent's next message that is not a heartbeat, which must be of this type. */
    public <T extends AgentMessage> T next(Class<T> type) {
      AgentMessage m = next();
      while (m instanceof AgentMessage.Heartbeat) {
        m = next();
      }
      if (!type.isInstance(m)) {
        throw new AssertionError("expected " + type.getSimpleName() + " but the agent sent " + m);
      }
      return type.cast(m);
    }

    public void send(ServerMessage m) {
      toAgent.sendNext(m);
    }

    /** Reads Register and answers Registered (with heartbeats rare enough not to interleave). */
    public AgentMessage.Register register() {
      AgentMessage.Register r = next(AgentMessage.Register.class);
      send(new ServerMessage.Registered("test-server", 3_600_000));
      return r;
    }

    /** Acknowledges a result as the server does once it has it. */
    public void ack(AgentMessage.ApplyResult r) {
      send(new ServerMessage.ApplyResultAck(r.cycleId(), r.task().task()));
    }

    /** The connection breaks. */
    public void drop() {
      toAgent.sendError(new IOException("connection reset (scripted)"));
    }
  }
}

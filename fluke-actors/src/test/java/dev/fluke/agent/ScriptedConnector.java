package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.fluke.agent.actor.ManualTime;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A server the test plays by hand: every connection attempt becomes a {@link Link} (what the agent
 * sent, and a way to answer); attempts can also be scripted to fail like a refused connection. Like
 * a real call, it hands the agent a message only when the agent asked for one.
 */
public final class ScriptedConnector implements ServerConnector {

  private final String address;
  private final BlockingQueue<Link> links = new LinkedBlockingQueue<>();
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger failuresToScript = new AtomicInteger();
  private final Consumer<String> dialled;

  public ScriptedConnector() {
    this("the server", address -> {});
  }

  /**
   * One of several servers, named {@code address} in the agent's log; every attempt tells {@code
   * dialled} its address (shared by the servers, it sees the order they were dialled in).
   */
  public ScriptedConnector(String address, Consumer<String> dialled) {
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
  public Call open(Listener listener) {
    attempts.incrementAndGet();
    dialled.accept(address);
    Link link = new Link(new FromAgent(), new ToAgent(listener));
    if (failuresToScript.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      link.toAgent().close(new IOException("connection refused (scripted)"));
    } else {
      links.add(link);
    }
    return link.call(listener);
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

  /**
   * What the agent sent on one connection, and how its side ended (when the agent ended it). Like a
   * real call, it is ready for more only while the test asked for more ({@link #request}, {@link
   * #requestNext}): a test that reads nothing sees the agent hold its messages back.
   */
  public static final class FromAgent {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private record Ended(Throwable cause) {}

    private final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    private final AtomicLong demand = new AtomicLong();
    private volatile Listener listener;

    void sent(AgentMessage m) {
      demand.updateAndGet(d -> Math.max(0, d - 1));
      signals.add(m);
    }

    void ended(Throwable cause) {
      signals.add(new Ended(cause));
    }

    boolean ready() {
      return demand.get() > 0;
    }

    /** The server reads {@code n} more messages. */
    public void request(long n) {
      demand.addAndGet(n);
      Listener l = listener;
      if (l != null) {
        l.onReady();
      }
    }

    /** The agent's next message or, when it ended its side, why (a {@link Throwable}). */
    public Object expectNextOrError() {
      Object next;
      try {
        next = signals.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      if (next == null) {
        throw new AssertionError("the agent sent nothing within " + WAIT);
      }
      return next instanceof Ended e ? e.cause() : next;
    }

    public AgentMessage expectNext() {
      Object next = expectNextOrError();
      if (next instanceof Throwable t) {
        throw new AssertionError("expected a message but the agent ended the call: " + t, t);
      }
      return (AgentMessage) next;
    }

    public AgentMessage requestNext() {
      request(1);
      return expectNext();
    }

    /** Why the agent ended the call, which must be the next thing it did. */
    public Throwable expectError() {
      Object next = expectNextOrError();
      if (next instanceof Throwable t) {
        return t;
      }
      throw new AssertionError("expected the agent to end the call but it sent " + next);
    }

    public void expectNoMessage(Duration d) {
      try {
        Object next = signals.poll(d.toMillis(), TimeUnit.MILLISECONDS);
        if (next != null) {
          throw new AssertionError("expected nothing from the agent but got " + next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** The server's side of one connection: messages wait until the agent asks for them. */
  static final class ToAgent {
    private final Listener listener;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(); // ServerMessage or Throwable
    private long demand;
    private boolean closed;

    ToAgent(Listener listener) {
      this.listener = listener;
    }

    synchronized void send(ServerMessage m) {
      pending.add(m);
      deliver();
    }

    /** The call ends (after what was already sent reached the agent); null: normally. */
    synchronized void close(Throwable cause) {
      pending.add(cause == null ? new Ended(null) : cause);
      deliver();
    }

    synchronized void request() {
      demand++;
      deliver();
    }

    /** The agent cancelled: the call ends now, with the agent's reason. */
    synchronized void cancelled(Throwable why) {
      pending.clear();
      pending.add(why);
      deliver();
    }

    private record Ended(Throwable cause) {}

    private void deliver() {
      while (!closed && !pending.isEmpty()) {
        Object next = pending.peek();
        if (next instanceof ServerMessage m) {
          if (demand == 0) {
            return;
          }
          demand--;
          pending.poll();
          listener.onMessage(m);
        } else {
          pending.poll();
          closed = true;
          listener.onClose(next instanceof Ended e ? e.cause() : (Throwable) next);
        }
      }
    }
  }

  /** One connection, seen from the server. */
  public record Link(FromAgent fromAgent, ToAgent toAgent) {

    Call call(Listener listener) {
      fromAgent.listener = listener;
      return new Call() {
        @Override
        public void send(AgentMessage message) {
          fromAgent.sent(message);
        }

        @Override
        public boolean isReady() {
          return fromAgent.ready();
        }

        @Override
        public void request() {
          toAgent.request();
        }

        @Override
        public void cancel(Throwable why) {
          fromAgent.ended(why);
          toAgent.cancelled(why);
        }
      };
    }

    /** The agent's next message, heartbeats included. */
    public AgentMessage next() {
      return fromAgent.requestNext();
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
      toAgent.send(m);
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
      toAgent.close(new IOException("connection reset (scripted)"));
    }
  }
}

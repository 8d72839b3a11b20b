package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ConnectionAttemptTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Got(ConnectionAttempt.Ack ack, ConnectionAttempt.Event event) {}

  private record Sent(long connId) {}

  /** A call the test drives: it records what the agent did and plays the transport's callbacks. */
  private static final class FakeCall implements ServerConnector.Call, ServerConnector {
    ServerConnector.Listener listener;
    final AtomicInteger requested = new AtomicInteger();
    final List<AgentMessage> sent = new CopyOnWriteArrayList<>();
    final List<Throwable> cancelled = new CopyOnWriteArrayList<>();
    volatile boolean ready = true;

    @Override
    public Call open(Listener listener) {
      this.listener = listener;
      return this;
    }

    @Override
    public void send(AgentMessage message) {
      sent.add(message);
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void request() {
      requested.incrementAndGet();
    }

    @Override
    public void cancel(Throwable why) {
      cancelled.add(why);
    }
  }

  private final TestProbe<Object> actor = testKit.createTestProbe();
  private final FakeCall call = new FakeCall();

  private ConnectionAttempt start() {
    return ConnectionAttempt.start(
        7, call, actor.getRef(), new ConnectionAttempt.Messages<Object>(Got::new, Sent::new));
  }

  private Got next() {
    return assertInstanceOf(Got.class, actor.receiveMessage());
  }

  private static ServerMessage.Heartbeat beat(long n) {
    return new ServerMessage.Heartbeat(n);
  }

  @Test
  void eventsComeOneAtATimeAndOnlyAnAcknowledgedMessageLetsTheNextOneIn() {
    start();
    Got opened = next();
    assertEquals(7, assertInstanceOf(ConnectionAttempt.Opened.class, opened.event()).connId());
    assertEquals(1, call.requested.get(), "the first server message is asked for at once");

    call.listener.onMessage(beat(1));
    call.listener.onClose(new IOException("reset"));
    actor.expectNoMessage(Duration.ofMillis(100)); // Opened is not acknowledged yet

    opened.ack().ack();
    Got first = next();
    assertEquals(
        beat(1), assertInstanceOf(ConnectionAttempt.Received.class, first.event()).message());
    actor.expectNoMessage(Duration.ofMillis(100)); // the Closed waits for the message's ack
    first.ack().ack();
    first.ack().ack(); // twice: nothing more
    Got closed = next();
    assertEquals(
        "reset",
        assertInstanceOf(ConnectionAttempt.Closed.class, closed.event()).cause().getMessage());
    assertEquals(1, call.requested.get(), "nothing is asked for once the call closed");
    closed.ack().ack();
    actor.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void eachAcknowledgedMessageAsksForOneMore() {
    start();
    next().ack().ack();
    for (int i = 1; i <= 3; i++) {
      call.listener.onMessage(beat(i));
      Got got = next();
      assertEquals(i, call.requested.get());
      got.ack().ack();
      assertEquals(i + 1, call.requested.get());
    }
  }

  @Test
  void theNextMessageGoesOnlyOnceTheCallTookThePreviousOne() {
    ConnectionAttempt attempt = start();
    next().ack().ack();
    attempt.send(new AgentMessage.Heartbeat(1));
    assertEquals(new Sent(7), actor.receiveMessage());

    call.ready = false;
    attempt.send(new AgentMessage.Heartbeat(2));
    actor.expectNoMessage(Duration.ofMillis(100));
    call.listener.onReady(); // still not ready: nothing
    actor.expectNoMessage(Duration.ofMillis(100));
    call.ready = true;
    call.listener.onReady();
    assertEquals(new Sent(7), actor.receiveMessage());
    call.listener.onReady(); // nothing waits
    actor.expectNoMessage(Duration.ofMillis(100));
    assertEquals(List.of(new AgentMessage.Heartbeat(1), new AgentMessage.Heartbeat(2)), call.sent);
  }

  @Test
  void endingCancelsTheCallAndClosedCarriesTheAgentsReason() {
    ConnectionAttempt attempt = start();
    next().ack().ack();
    ConnectionAttempt.EndedByAgent why = new ConnectionAttempt.EndedByAgent("silent server");

    attempt.end(why);
    attempt.end(new ConnectionAttempt.EndedByAgent("again"));
    assertEquals(List.of(why), call.cancelled);
    attempt.send(new AgentMessage.Heartbeat(1));
    assertEquals(List.of(), call.sent, "nothing goes out on an ended call");

    // the transport reports the cancel in its own words: the agent's reason is what counts
    call.listener.onClose(new IllegalStateException("CANCELLED"));
    assertSame(why, assertInstanceOf(ConnectionAttempt.Closed.class, next().event()).cause());
  }

  @Test
  void aServerThatEndsTheCallNormallyClosesItWithoutACause() {
    start();
    next().ack().ack();
    call.listener.onClose(null);
    assertNull(assertInstanceOf(ConnectionAttempt.Closed.class, next().event()).cause());
  }

  @Test
  void aConnectorThatFailsToOpenGivesOpenedThenClosed() {
    ServerConnector failing =
        listener -> {
          throw new IllegalArgumentException("no such host");
        };
    ConnectionAttempt.start(
        8, failing, actor.getRef(), new ConnectionAttempt.Messages<Object>(Got::new, Sent::new));
    Got opened = next();
    assertInstanceOf(ConnectionAttempt.Opened.class, opened.event());
    opened.ack().ack();
    assertEquals(
        "no such host",
        assertInstanceOf(ConnectionAttempt.Closed.class, next().event()).cause().getMessage());
  }
}

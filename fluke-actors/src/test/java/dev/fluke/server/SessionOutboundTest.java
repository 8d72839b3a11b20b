package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.ServerMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** A session's outbound side: a probe stands in for the stream, a memory store for the events. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionOutboundTest {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private static final Duration NONE = Duration.ofMillis(100);
  private static final ServerMessage HEARTBEAT = new ServerMessage.Heartbeat(1);

  private TestProbe<Outbound> out;
  private MemoryEventStore events;
  private SessionOutbound stream;

  @BeforeEach
  void setUp() {
    out = testKit.createTestProbe();
    events = new MemoryEventStore(100, 100, 100);
    stream =
        new SessionOutbound(
            "web-01",
            out.ref(),
            new SessionEvents(
                "web-01",
                events,
                new FlukeMetrics(),
                Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC)),
            LoggerFactory.getLogger(SessionOutboundTest.class));
  }

  private List<Event> recorded(String outcome) {
    return events.query(new EventQuery(null, null, outcome, 0)).toCompletableFuture().join();
  }

  @Test
  void messagesGoOutUntilTheStreamEnds() {
    stream.send(HEARTBEAT);
    assertEquals(new Outbound.Send(HEARTBEAT), out.receiveMessage());

    stream.evicted("no heartbeat for 30s");
    assertEquals(Outbound.Complete.INSTANCE, out.receiveMessage());
    stream.send(HEARTBEAT);
    out.expectNoMessage(NONE);
    assertEquals("no heartbeat for 30s", recorded("evicted").get(0).message());
  }

  @Test
  void aViolationFailsTheStreamOnceAndTheSessionsStopAddsNothing() {
    stream.violation("Register sent twice on one stream");
    Outbound.Fail fail = assertInstanceOf(Outbound.Fail.class, out.receiveMessage());
    ProtocolViolation cause = assertInstanceOf(ProtocolViolation.class, fail.cause());
    assertTrue(cause.getMessage().contains("Register sent twice"), cause.getMessage());
    assertEquals(1, recorded("protocol_violation").size());

    stream.stopped();
    out.expectNoMessage(NONE);
  }

  @Test
  void aStoppedRunnerFailsTheStreamWithAnInternalErrorNotAViolation() {
    stream.runnerStopped();
    Outbound.Fail fail = assertInstanceOf(Outbound.Fail.class, out.receiveMessage());
    assertInstanceOf(IllegalStateException.class, fail.cause());
    assertTrue(recorded("protocol_violation").isEmpty());
    assertTrue(recorded("disconnected").get(0).message().startsWith("internal error"));
  }

  @Test
  void theAgentsOwnCloseSendsNothingMoreNotEvenAtTheSessionsStop() {
    stream.disconnected("the agent closed the stream");
    stream.send(HEARTBEAT);
    stream.stopped();
    out.expectNoMessage(NONE);
    assertEquals("the agent closed the stream", recorded("disconnected").get(0).message());
  }

  @Test
  void aSessionThatStopsForAnyOtherReasonCompletesTheStream() {
    stream.stopped();
    assertEquals(Outbound.Complete.INSTANCE, out.receiveMessage());
    stream.stopped();
    out.expectNoMessage(NONE);
  }
}

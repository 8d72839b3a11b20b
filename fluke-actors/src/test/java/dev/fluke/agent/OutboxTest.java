package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyOutput;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class OutboxTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<AgentMessage> stream = testKit.createTestProbe();
  private final List<Throwable> ended = new ArrayList<>();
  private final Outbox conn = new Outbox(1, stream.getRef()::tell, ended::add);

  private AgentMessage nextSent() {
    return stream.receiveMessage();
  }

  private static ApplyResult result(long cycle) {
    return new ApplyResult(cycle, new TaskOutcome("t", List.of()), false);
  }

  @Test
  void sendsOneMessageAtATimeAsTheStreamTakesThem() {
    conn.send(new Heartbeat(1));
    conn.send(new Heartbeat(2));

    assertEquals(new Heartbeat(1), nextSent());
    stream.expectNoMessage(Duration.ofMillis(50));
    conn.sent();
    assertEquals(new Heartbeat(2), nextSent());
  }

  @Test
  void aHeartbeatIsNotQueuedWhileAnotherStillWaits() {
    conn.send(result(1));
    conn.heartbeat(Clock.fixed(Instant.ofEpochMilli(5), ZoneOffset.UTC));
    conn.heartbeat(Clock.fixed(Instant.ofEpochMilli(6), ZoneOffset.UTC));

    assertEquals(result(1), nextSent());
    conn.sent();
    assertEquals(new Heartbeat(5), nextSent());
    conn.sent();
    stream.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void outputIsPulledOnlyWhileTheOutboxIsShortAndTheRestGoesBeforeTheResult() {
    OutputLines lines = new OutputLines(1000, 100);
    for (int i = 1; i <= 100; i++) {
      lines.offer("a", "line " + i);
    }

    conn.streamOutput(7, "t", lines);
    assertEquals("line 1", ((ApplyOutput) nextSent()).line());
    assertFalse(lines.isEmpty(), "only a window's worth was taken into the outbox");

    conn.sendResult(result(7), lines);
    assertTrue(lines.isEmpty());
    for (int i = 2; i <= 100; i++) {
      conn.sent();
      ApplyOutput o = assertInstanceOf(ApplyOutput.class, nextSent());
      assertEquals("line " + i, o.line());
      assertEquals(7, o.cycleId());
    }
    conn.sent();
    assertEquals(result(7), nextSent());
  }

  @Test
  void endingDropsTheOutboxAndAbortsTheStream() {
    conn.send(new Heartbeat(1));
    conn.send(new Heartbeat(2));
    conn.send(result(3));

    IllegalStateException bye = new IllegalStateException("bye");
    conn.end(bye);

    assertEquals(new Heartbeat(1), nextSent());
    assertEquals(List.of(bye), ended, "the connection's stream is ended");
    // Results among the dropped messages are still kept by ServerLink until the server acknowledges
    // them.
    conn.sent();
    conn.send(result(4));
    stream.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aHeartbeatGoesAheadOfWhatWaits() {
    OutputLines lines = new OutputLines(1000, 100);
    for (int i = 1; i <= 10; i++) {
      lines.offer("a", "line " + i);
    }
    conn.streamOutput(7, "t", lines);
    assertEquals("line 1", ((ApplyOutput) nextSent()).line());

    conn.send(new Heartbeat(5));
    conn.sent();

    assertEquals(new Heartbeat(5), nextSent(), "not behind nine output lines");
    conn.sent();
    assertEquals("line 2", ((ApplyOutput) nextSent()).line());
    assertTrue(ended.isEmpty());
  }
}

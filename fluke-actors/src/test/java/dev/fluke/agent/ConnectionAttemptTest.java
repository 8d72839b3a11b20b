package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ConnectionAttemptTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  /** A dead letter of the test's own, to learn that the subscription is in place. */
  private static final String READY = "subscribed?";

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /**
   * The agent acknowledges the last event of a connection that has meanwhile dropped (at every
   * failover): the stream's stage is gone, and that is not worth an INFO line about dead letters.
   */
  @Test
  void anAcknowledgementAfterItsStreamEndedIsNotADeadLetter() {
    TestProbe<DeadLetter> deadLetters = testKit.createTestProbe();
    testKit
        .system()
        .eventStream()
        .tell(new EventStream.Subscribe<>(DeadLetter.class, deadLetters.ref()));
    // the subscription is asynchronous: dead letters sent before it is in place are not seen
    deadLetters.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          testKit.system().deadLetters().tell(READY);
          return deadLetters.expectMessageClass(DeadLetter.class, Duration.ofMillis(200));
        });
    Behavior<Object> stage = Behaviors.receiveMessage(m -> Behaviors.stopped());
    ActorRef<Object> gone = testKit.spawn(stage);
    TestProbe<Object> watcher = testKit.createTestProbe();
    gone.tell("stop");
    watcher.expectTerminated(gone);

    gone.tell(ConnectionAttempt.Ack.INSTANCE);
    gone.tell("anything else");
    // dead letters are published in the order they were sent: the first one is not the ack
    List<DeadLetter> seen =
        deadLetters.fishForMessage(
            Duration.ofSeconds(5),
            d ->
                READY.equals(d.message())
                    ? FishingOutcomes.continueAndIgnore()
                    : FishingOutcomes.complete());
    assertEquals("anything else", seen.get(seen.size() - 1).message());
  }
}

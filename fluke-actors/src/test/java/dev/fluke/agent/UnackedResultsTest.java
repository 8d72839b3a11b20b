package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnackedResultsTest {

  private static ApplyResult result(long cycle, String task) {
    return new ApplyResult(cycle, new TaskOutcome(task, List.of()), false);
  }

  private static List<String> names(List<ApplyResult> results) {
    return results.stream()
        .map(r -> r.cycleId() + ":" + r.task().task() + (r.late() ? ":late" : ""))
        .toList();
  }

  @Test
  void resultsNotSentOnAConnectionGoThereLateInTheOrderTheyFinishedAndOnlyOnce() {
    UnackedResults kept =
        UnackedResults.empty(8)
            .add(1, result(1, "a"), 1)
            .add(2, result(2, "b"), UnackedResults.NOT_SENT)
            .add(3, result(3, "c"), 1);

    UnackedResults.Resend onOne = kept.resendOn(1);
    assertEquals(List.of("2:b:late"), names(onOne.late()));
    UnackedResults.Resend onTwo = onOne.next().resendOn(2);
    assertEquals(List.of("1:a:late", "2:b:late", "3:c:late"), names(onTwo.late()));
    assertEquals(List.of(), onTwo.next().resendOn(2).late());
    UnackedResults more = onTwo.next().add(4, result(4, "d"), UnackedResults.NOT_SENT);
    assertEquals(List.of("4:d:late"), names(more.resendOn(2).late()));
    assertEquals(3, kept.size(), "a value: resending changed nothing in it");
  }

  @Test
  void anAckCountsOnlyOnTheConnectionTheResultWasSentOn() {
    // Cycle ids start over with a restarted server: two different results can both be "cycle 7,
    // deploy".
    UnackedResults kept =
        UnackedResults.empty(8).add(1, result(7, "deploy"), 1).add(2, result(7, "deploy"), 2);

    assertEquals(Optional.empty(), kept.acknowledged(3, 7, "deploy"));
    assertEquals(Optional.empty(), kept.acknowledged(2, 7, "other"));
    assertEquals(Optional.empty(), kept.acknowledged(2, 8, "deploy"));
    UnackedResults.Kept acked = kept.acknowledged(2, 7, "deploy").orElseThrow();
    assertEquals(2, acked.seq());
    UnackedResults left = kept.without(acked.seq());
    assertEquals(Optional.empty(), left.acknowledged(2, 7, "deploy"));

    assertEquals(1, left.size());
    UnackedResults.Resend again = left.resendOn(3);
    assertEquals(List.of("7:deploy:late"), names(again.late()));
    assertTrue(again.next().without(1).isEmpty());
  }

  @Test
  void theOldestResultIsDroppedBeyondTheBound() {
    UnackedResults kept = UnackedResults.empty(2);

    assertEquals(Optional.empty(), kept.oldestIfFull());
    kept = kept.add(1, result(1, "a"), 1).add(2, result(2, "b"), 1);
    assertEquals("a", kept.oldestIfFull().orElseThrow().result().task().task());
    kept = kept.add(3, result(3, "c"), 1);

    assertEquals(2, kept.size());
    assertEquals(List.of("2:b:late", "3:c:late"), names(kept.resendOn(2).late()));
    assertThrows(IllegalArgumentException.class, () -> UnackedResults.empty(0));
  }
}

package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.util.List;
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
    UnackedResults kept = new UnackedResults(8);
    kept.add(result(1, "a"), 1);
    kept.add(result(2, "b"), UnackedResults.NOT_SENT);
    kept.add(result(3, "c"), 1);

    assertEquals(List.of("2:b:late"), names(kept.resendOn(1)));
    assertEquals(List.of("1:a:late", "2:b:late", "3:c:late"), names(kept.resendOn(2)));
    assertEquals(List.of(), kept.resendOn(2));
    kept.add(result(4, "d"), UnackedResults.NOT_SENT);
    assertEquals(List.of("4:d:late"), names(kept.resendOn(2)));
  }

  @Test
  void anAckCountsOnlyOnTheConnectionTheResultWasSentOn() {
    UnackedResults kept = new UnackedResults(8);
    // Cycle ids start over with a restarted server: two different results can both be "cycle 7,
    // deploy".
    kept.add(result(7, "deploy"), 1);
    kept.add(result(7, "deploy"), 2);

    assertFalse(kept.ack(3, 7, "deploy"));
    assertFalse(kept.ack(2, 7, "other"));
    assertFalse(kept.ack(2, 8, "deploy"));
    assertTrue(kept.ack(2, 7, "deploy"));
    assertFalse(kept.ack(2, 7, "deploy"));

    assertEquals(1, kept.size());
    assertEquals(List.of("7:deploy:late"), names(kept.resendOn(3)));
    assertTrue(kept.ack(3, 7, "deploy"));
    assertEquals(0, kept.size());
  }

  @Test
  void theOldestResultIsDroppedBeyondTheBound() {
    UnackedResults kept = new UnackedResults(2);

    assertNull(kept.add(result(1, "a"), 1));
    assertNull(kept.add(result(2, "b"), 1));
    ApplyResult dropped = kept.add(result(3, "c"), 1);

    assertEquals("a", dropped.task().task());
    assertEquals(2, kept.size());
    assertEquals(List.of("2:b:late", "3:c:late"), names(kept.resendOn(2)));
    assertThrows(IllegalArgumentException.class, () -> new UnackedResults(0));
  }
}

package dev.fluke.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.exec.Outcome;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class EventOutcomesTest {
  @Test
  void everyStepOutcomeCanBeFilteredOn() {
    for (Outcome o : Outcome.values()) {
      assertTrue(EventOutcomes.isKnown(o.wireName()), o.wireName());
    }
  }

  @Test
  void outcomesAreListedOnce() {
    assertEquals(EventOutcomes.ALL.size(), new HashSet<>(EventOutcomes.ALL).size());
  }
}

package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.DriftPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a runner keeps between cycles: ids, the one follow-up, retries, served requests. */
class PaceTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final ServerSettings.Reconcile RECONCILE =
      new ServerSettings.Reconcile(
          Duration.ofMinutes(2),
          DriftPolicy.REMEDIATE,
          Duration.ofMinutes(1),
          Duration.ofMinutes(1),
          Duration.ofSeconds(15),
          Duration.ofHours(1));

  private static Cycle cycle(CycleRequest r, boolean failed) {
    Cycle c = Cycle.checking(1, r, List.of());
    return failed ? c.givenUp() : c;
  }

  @Test
  void cycleIdsIncreaseFromTheConnectionsBase() {
    Pace p = Pace.start(5L << 32);
    assertEquals((5L << 32) + 1, p.issue().lastIssued());
    assertEquals((5L << 32) + 2, p.issue().issue().lastIssued());
  }

  @Test
  void triggersWhileBusyMergeIntoOneFollowUp() {
    Pace p =
        Pace.start(0)
            .later(CycleRequest.manual(Set.of("cert"), 4))
            .later(CycleRequest.AUTOMATIC)
            .later(CycleRequest.manual(Set.of("app"), 6));
    CycleRequest f = p.followUp();
    assertTrue(f.full());
    assertTrue(f.isManual("cert") && f.isManual("app"));
    assertEquals(6, f.manualRequest());
    assertNull(p.followUpTaken().followUp());
  }

  @Test
  void failuresBackOffDoublingUpToTheIntervalAndACleanFullCycleResets() {
    Pace p = Pace.start(0);
    p = p.ended(cycle(CycleRequest.AUTOMATIC, true), T);
    assertEquals(Duration.ofSeconds(15), p.retryDelay(RECONCILE));
    p = p.ended(cycle(CycleRequest.AUTOMATIC, true), T);
    assertEquals(Duration.ofSeconds(30), p.retryDelay(RECONCILE));
    for (int i = 0; i < 5; i++) {
      p = p.ended(cycle(CycleRequest.AUTOMATIC, true), T);
    }
    assertEquals(Duration.ofMinutes(2), p.retryDelay(RECONCILE), "capped at the interval");
    p = p.ended(cycle(CycleRequest.manual(Set.of("a"), 1), false), T);
    assertEquals(7, p.failedInARow(), "a clean one-task cycle proves nothing about the others");
    p = p.ended(cycle(CycleRequest.AUTOMATIC, false), T.plusSeconds(9));
    assertEquals(0, p.failedInARow());
    assertEquals(T.plusSeconds(9), p.lastCycleEndedAt());
  }

  @Test
  void theNewestManualRequestServedOnlyGrows() {
    Pace p = Pace.start(0).ended(cycle(CycleRequest.manual(Set.of(), 8), false), T);
    assertEquals(8, p.manualServed());
    assertEquals(8, p.served(3).manualServed());
    assertEquals(12, p.served(12).manualServed());
    assertEquals(8, p.ended(cycle(CycleRequest.AUTOMATIC, false), T).manualServed());
  }
}

package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeartbeatsTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void anAgentSilentForTheAllowedIntervalsInARowIsEvicted() {
    Heartbeats h = Heartbeats.start(3, T);
    h = h.tick(); // connected in this interval: not a miss
    assertEquals(0, h.missed());
    h = h.tick().tick();
    assertEquals(2, h.missed());
    assertFalse(h.evict());
    h = h.heard(T.plusSeconds(35)).tick(); // heard: the count starts over
    assertEquals(0, h.missed());
    assertEquals(T.plusSeconds(35), h.lastSeen());
    h = h.tick().tick().tick();
    assertTrue(h.evict());
    assertEquals(
        "no message for 3 heartbeat intervals of 10s",
        h.evictionReason(java.time.Duration.ofSeconds(10)));
  }
}

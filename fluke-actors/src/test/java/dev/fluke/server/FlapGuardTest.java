package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.FlapLimit;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The flap guard counts automatic remediations per task within its period, at given instants. */
class FlapGuardTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final FlapLimit THREE_PER_HOUR = new FlapLimit(3, Duration.ofHours(1));

  @Test
  void aTaskRemediatedTheMaximumWithinThePeriodIsHeldAndMarkedOnce() {
    FlapGuard g = new FlapGuard();
    for (int i = 0; i < 3; i++) {
      assertFalse(g.holds("app", THREE_PER_HOUR, T0.plusSeconds(60L * i)));
      g.remediated("app", THREE_PER_HOUR, T0.plusSeconds(60L * i));
    }
    assertTrue(g.holds("app", THREE_PER_HOUR, T0.plusSeconds(200)));
    assertTrue(g.markFlapping("app"), "the first time: the caller alerts");
    assertFalse(g.markFlapping("app"), "then never again until a reset");
    assertFalse(g.holds("other", THREE_PER_HOUR, T0.plusSeconds(200)), "per task");
  }

  @Test
  void remediationsOlderThanThePeriodNoLongerCount() {
    FlapGuard g = new FlapGuard();
    g.remediated("app", THREE_PER_HOUR, T0);
    g.remediated("app", THREE_PER_HOUR, T0.plus(Duration.ofMinutes(30)));
    g.remediated("app", THREE_PER_HOUR, T0.plus(Duration.ofMinutes(50)));
    assertTrue(g.holds("app", THREE_PER_HOUR, T0.plus(Duration.ofMinutes(59))));
    assertEquals(2, g.count("app", THREE_PER_HOUR, T0.plus(Duration.ofMinutes(60))));
    assertFalse(g.holds("app", THREE_PER_HOUR, T0.plus(Duration.ofMinutes(61))));
  }

  @Test
  void aFlappingTaskStaysHeldWhateverTheClockUntilAResetOfItOrOfAll() {
    FlapGuard g = new FlapGuard();
    for (int i = 0; i < 3; i++) {
      g.remediated("app", THREE_PER_HOUR, T0);
      g.remediated("db", THREE_PER_HOUR, T0);
    }
    g.markFlapping("app");
    g.markFlapping("db");
    Instant muchLater = T0.plus(Duration.ofDays(2));
    assertTrue(g.holds("app", THREE_PER_HOUR, muchLater), "a person should look first");
    g.reset("app");
    assertFalse(g.holds("app", THREE_PER_HOUR, muchLater), "manual reconcile");
    assertTrue(g.holds("db", THREE_PER_HOUR, muchLater));
    g.resetAll();
    assertFalse(g.holds("db", THREE_PER_HOUR, T0), "new commit: counted from zero");
    assertTrue(g.markFlapping("db"), "and alerts again if it flaps again");
  }
}

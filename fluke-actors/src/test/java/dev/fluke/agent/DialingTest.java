package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DialingTest {

  static final AgentSettings.Backoff BACKOFF =
      new AgentSettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);

  @Test
  void theFirstServerIsPickedAtRandomSoAFleetSpreadsOverAllOfThem() {
    Set<Integer> firsts = new HashSet<>();
    for (long seed = 0; seed < 60; seed++) {
      firsts.add(Dialing.start(3, new SplittableRandom(seed)).current());
    }
    assertEquals(Set.of(0, 1, 2), firsts);
  }

  @Test
  void theFirstAttemptGoesAtOnce() {
    assertEquals(Duration.ZERO, Dialing.start(3, new SplittableRandom(1)).delay(BACKOFF, 0.9));
  }

  @Test
  void everyEndedAttemptIsFollowedByOneToTheNextServerInListOrderWrappingAround() {
    Dialing d = new Dialing(3, 1, 0);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      order.add(d.current());
      d = d.ended(false);
    }
    assertEquals(List.of(1, 2, 0, 1, 2, 0, 1), order);
  }

  @Test
  void withOneServerItIsThePlainReconnectLoop() {
    Dialing d = Dialing.start(1, new SplittableRandom(7));
    assertEquals(0, d.current());
    assertEquals(0, d.ended(false).ended(false).current());
  }

  @Test
  void withOneServerTheBackoffDoublesWithEveryFailureUpToTheMaximumAndNeverGivesUp() {
    Dialing d = new Dialing(1, 0, 0);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      d = d.ended(false);
      delays.add(d.delay(BACKOFF, 0));
    }
    assertEquals(
        List.of(1, 2, 4, 8, 16, 30, 30, 30).stream().map(Duration::ofSeconds).toList(), delays);
    for (int i = 0; i < 10_000; i++) {
      d = d.ended(false);
    }
    assertEquals(Duration.ofSeconds(30), d.delay(BACKOFF, 0), "still dialling, at the maximum");
  }

  @Test
  void withSeveralServersTheBackoffDoublesOncePerRoundThroughTheListNotPerAttempt() {
    // A dead server refuses at once, a busy one refuses a registration: neither should make the
    // next server of the list wait a doubled delay; a whole round that failed does.
    Dialing d = new Dialing(3, 0, 0);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      d = d.ended(false);
      delays.add(d.delay(BACKOFF, 0));
    }
    assertEquals(
        List.of(1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8).stream().map(Duration::ofSeconds).toList(),
        delays);
    for (int i = 0; i < 10_000; i++) {
      d = d.ended(false);
    }
    assertEquals(Duration.ofSeconds(30), d.delay(BACKOFF, 0), "still dialling, at the maximum");
  }

  @Test
  void jitterAddsUpToTheRandomFactor() {
    Dialing d = new Dialing(2, 0, 0).ended(false).ended(false).ended(false);
    assertEquals(Duration.ofSeconds(2), d.delay(BACKOFF, 0));
    assertEquals(Duration.ofMillis(2200), d.delay(BACKOFF, 0.5));
    assertTrue(d.delay(BACKOFF, 0.999).compareTo(Duration.ofMillis(2400)) < 0);
  }

  @Test
  void aConnectionThatStayedRegisteredStartsTheBackoffOverFromTheMinimum() {
    Dialing failing = new Dialing(3, 0, 0);
    for (int i = 0; i < 7; i++) {
      failing = failing.ended(false);
    }
    assertEquals(Duration.ofSeconds(4), failing.delay(BACKOFF, 0));

    Dialing afterStable = failing.ended(true);

    assertEquals(2, afterStable.current(), "and it still moves on to the next server");
    Dialing round = afterStable.ended(false).ended(false);
    assertEquals(Duration.ofSeconds(1), round.delay(BACKOFF, 0), "the rest of the round");
    assertEquals(Duration.ofSeconds(2), round.ended(false).delay(BACKOFF, 0));
  }

  @Test
  void theFirstAttemptAfterAConnectionThatLivedWaitsARandomPartOfTheMinimumSoAFleetSpreads() {
    Dialing afterStable = new Dialing(3, 0, 0).ended(true);

    assertEquals(Duration.ZERO, afterStable.delay(BACKOFF, 0));
    assertEquals(Duration.ofMillis(500), afterStable.delay(BACKOFF, 0.5));
    assertTrue(afterStable.delay(BACKOFF, 0.999).compareTo(Duration.ofSeconds(1)) < 0);
    assertEquals(
        Duration.ofSeconds(1),
        afterStable.ended(false).delay(BACKOFF, 0),
        "an attempt that failed after it waits the backoff again");
  }

  @Test
  void thereIsAlwaysAServer() {
    assertThrows(IllegalArgumentException.class, () -> new Dialing(0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Dialing(2, 2, 0));
  }
}

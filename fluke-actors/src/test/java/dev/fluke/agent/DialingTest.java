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
      d = d.ended();
    }
    assertEquals(List.of(1, 2, 0, 1, 2, 0, 1), order);
  }

  @Test
  void aConnectionThatHadRegisteredIsFollowedByOneToAnotherServerPickedAtRandom() {
    // the agents of a server that dies spread over all the others, never back to it
    for (boolean stable : new boolean[] {false, true}) {
      Set<Integer> next = new HashSet<>();
      for (long seed = 0; seed < 60; seed++) {
        next.add(
            new Dialing(4, 2, 0).endedRegistered(stable, new SplittableRandom(seed)).current());
      }
      assertEquals(Set.of(0, 1, 3), next, "stable " + stable);
    }
  }

  @Test
  void afterTheRandomPickTheListOrderGoesOnAndTheBackoffCountsAsBefore() {
    Dialing lived = new Dialing(3, 0, 4).endedRegistered(true, new SplittableRandom(3));
    assertEquals(1, lived.failures());
    assertTrue(lived.lived());
    assertEquals((lived.current() + 1) % 3, lived.ended().current());
    Dialing brief = new Dialing(3, 0, 4).endedRegistered(false, new SplittableRandom(3));
    assertEquals(5, brief.failures());
    assertEquals(new Dialing(3, 0, 4).ended().delay(BACKOFF, 0.5), brief.delay(BACKOFF, 0.5));
  }

  @Test
  void withTwoServersTheOtherOneIsNext() {
    for (long seed = 0; seed < 20; seed++) {
      assertEquals(
          0, new Dialing(2, 1, 0).endedRegistered(true, new SplittableRandom(seed)).current());
    }
    assertEquals(0, new Dialing(1, 0, 0).endedRegistered(true, new SplittableRandom(1)).current());
  }

  @Test
  void withOneServerItIsThePlainReconnectLoop() {
    Dialing d = Dialing.start(1, new SplittableRandom(7));
    assertEquals(0, d.current());
    assertEquals(0, d.ended().ended().current());
  }

  @Test
  void withOneServerTheBackoffDoublesWithEveryFailureUpToTheMaximumAndNeverGivesUp() {
    Dialing d = new Dialing(1, 0, 0);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      d = d.ended();
      delays.add(d.delay(BACKOFF, 0));
    }
    assertEquals(
        List.of(1, 2, 4, 8, 16, 30, 30, 30).stream().map(Duration::ofSeconds).toList(), delays);
    for (int i = 0; i < 10_000; i++) {
      d = d.ended();
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
      d = d.ended();
      delays.add(d.delay(BACKOFF, 0));
    }
    assertEquals(
        List.of(1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8).stream().map(Duration::ofSeconds).toList(),
        delays);
    for (int i = 0; i < 10_000; i++) {
      d = d.ended();
    }
    assertEquals(Duration.ofSeconds(30), d.delay(BACKOFF, 0), "still dialling, at the maximum");
  }

  @Test
  void jitterAddsUpToTheRandomFactor() {
    Dialing d = new Dialing(2, 0, 0).ended().ended().ended();
    assertEquals(Duration.ofSeconds(2), d.delay(BACKOFF, 0));
    assertEquals(Duration.ofMillis(2200), d.delay(BACKOFF, 0.5));
    assertTrue(d.delay(BACKOFF, 0.999).compareTo(Duration.ofMillis(2400)) < 0);
  }

  @Test
  void aConnectionThatStayedRegisteredStartsTheBackoffOverFromTheMinimum() {
    Dialing failing = new Dialing(3, 0, 0);
    for (int i = 0; i < 7; i++) {
      failing = failing.ended();
    }
    assertEquals(Duration.ofSeconds(4), failing.delay(BACKOFF, 0));

    Dialing afterStable = failing.endedRegistered(true, new SplittableRandom(5));

    assertTrue(afterStable.current() != 1, "and it moves on to another server");
    Dialing round = afterStable.ended().ended();
    assertEquals(Duration.ofSeconds(1), round.delay(BACKOFF, 0), "the rest of the round");
    assertEquals(Duration.ofSeconds(2), round.ended().delay(BACKOFF, 0));
  }

  @Test
  void theFirstAttemptAfterAConnectionThatLivedWaitsARandomPartOfTheMinimumSoAFleetSpreads() {
    Dialing afterStable = new Dialing(3, 0, 0).endedRegistered(true, new SplittableRandom(5));

    assertEquals(Duration.ZERO, afterStable.delay(BACKOFF, 0));
    assertEquals(Duration.ofMillis(500), afterStable.delay(BACKOFF, 0.5));
    assertTrue(afterStable.delay(BACKOFF, 0.999).compareTo(Duration.ofSeconds(1)) < 0);
    assertEquals(
        Duration.ofSeconds(1),
        afterStable.ended().delay(BACKOFF, 0),
        "an attempt that failed after it waits the backoff again");
  }

  @Test
  void thereIsAlwaysAServer() {
    assertThrows(IllegalArgumentException.class, () -> new Dialing(0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Dialing(2, 2, 0));
  }
}

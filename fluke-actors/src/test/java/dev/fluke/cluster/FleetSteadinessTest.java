package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FleetSteadinessTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void aFleetThatKeepsGrowingIsNeverSteady() {
    FleetSteadiness s = new FleetSteadiness(Duration.ofSeconds(60));
    for (int t = 0; t <= 300; t += 10) {
      assertFalse(s.steady(t * 4, at(t)), "at " + t + " s: " + t * 4 + " agents");
    }
  }

  @Test
  void steadyOnceTheCountStaysWithinATenthForTheSettleTime() {
    FleetSteadiness s = new FleetSteadiness(Duration.ofSeconds(60));
    assertFalse(s.steady(1000, at(0)));
    assertFalse(s.steady(960, at(20)), "within a tenth");
    assertFalse(s.steady(1000, at(50)));
    assertTrue(s.steady(1000, at(60)));
    assertTrue(s.steady(905, at(70)), "905 is within 100 of 1000");
    assertFalse(s.steady(899, at(80)), "101 fewer: the count starts again from 899");
    assertFalse(s.steady(899, at(130)));
    assertTrue(s.steady(899, at(140)));
  }

  @Test
  void aSmallFleetMayChangeByTwo() {
    FleetSteadiness s = new FleetSteadiness(Duration.ofSeconds(10));
    assertFalse(s.steady(12, at(0)));
    assertTrue(s.steady(10, at(10)));
    assertFalse(s.steady(15, at(20)), "3 more than 12: the count starts again from 15");
    assertTrue(s.steady(14, at(30)));
  }
}

package dev.fluke.cluster;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the fleet has stopped growing or shrinking ({@link Rebalancer}; plain, called on its
 * thread): the live agents of the directory stayed within a tenth (at least 2) of one count for
 * {@code settle}. While a fleet comes up, or a crowd of agents reconnects after an outage, nodes
 * hold uneven parts that even out by themselves, and a node that admits slowly (its directory reads
 * wait) would be handed more agents than it can take; agents move only once the fleet is steady. A
 * round of moves itself dips the count by at most its size, which stays within the band at any
 * fleet where rounds matter.
 */
final class FleetSteadiness {
  private final Duration settle;
  private int count = -1;
  private Instant since;

  FleetSteadiness(Duration settle) {
    this.settle = settle;
  }

  /** Records {@code live} agents seen {@code now}; true once steady for {@code settle}. */
  boolean steady(int live, Instant now) {
    if (count < 0 || Math.abs(live - count) > Math.max(2, count / 10)) {
      count = live;
      since = now;
    }
    return !since.plus(settle).isAfter(now);
  }
}

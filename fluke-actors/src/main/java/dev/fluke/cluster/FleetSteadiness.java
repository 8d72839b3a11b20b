package dev.fluke.cluster;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the fleet has stopped growing or shrinking ({@link Rebalancer}; plain, called on its
 * thread): the agents the directory knows (its entries, live or not) stayed within a tenth (at
 * least 2) of one count for {@code settle}. While a fleet comes up, nodes hold uneven parts that
 * even out by themselves, and a node that admits slowly (its directory reads wait) would be handed
 * more agents than it can take; agents move only once the fleet is steady. Entries rather than live
 * sessions: an agent on its way from one node to another keeps its entry, so a round of moves does
 * not make the next round wait (with live sessions, the agents a first round moved made every other
 * node above its share wait another {@code settle}: 141 s instead of 79 s for a restarted node to
 * get its share).
 */
final class FleetSteadiness {
  private final Duration settle;
  private int count = -1;
  private Instant since;

  FleetSteadiness(Duration settle) {
    this.settle = settle;
  }

  /** Records {@code known} agents seen {@code now}; true once steady for {@code settle}. */
  boolean steady(int known, Instant now) {
    if (count < 0 || Math.abs(known - count) > Math.max(2, count / 10)) {
      count = known;
      since = now;
    }
    return !since.plus(settle).isAfter(now);
  }
}

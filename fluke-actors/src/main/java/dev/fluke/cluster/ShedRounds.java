package dev.fluke.cluster;

/**
 * What a node's {@link Rebalancer} decides round after round (plain; called on its thread): how
 * many of its agents it hands to the other nodes now ({@link FleetShare#excess}), remembering
 * whether it is handing over down to its share and how many agents it held at the last round.
 *
 * <p>A round in which more agents arrived than the slack ({@link FleetShare#floodedSince}) moves
 * nothing: another node is failing over to this one (after a {@code kill -9} or a freeze it stays
 * an Up, reachable member until the failure detector speaks, seconds later, and agents moved in
 * that window would pick it too: a frozen node holds them until their answer timeout). A node that
 * gained more than 2 agents ({@link FleetShare#receivingSince}) stops handing over down to its
 * share and keeps what it holds unless that is above the slack.
 */
final class ShedRounds {
  private final int maxPerRound;
  private int heldBefore = -1;
  private boolean shedding;

  ShedRounds(int maxPerRound) {
    this.maxPerRound = maxPerRound;
  }

  /**
   * One round's decision.
   *
   * @param shed the agents to hand over now (0: none)
   * @param heldBack the agents it would have handed over but for agents arriving in bulk since the
   *     last round (0: none)
   */
  record Round(int shed, int heldBack) {}

  /**
   * @param share this node's part of the fleet now
   * @param ready the membership and the fleet have been steady for {@code settle}
   */
  Round next(FleetShare share, boolean ready) {
    int before = heldBefore;
    heldBefore = share.held();
    if (share.receivingSince(before)) {
      shedding = false;
    }
    if (!ready) {
      shedding = false;
      return new Round(0, 0);
    }
    int shed = share.excess(maxPerRound, shedding);
    if (share.floodedSince(before)) {
      return new Round(0, shed);
    }
    shedding = shed > 0;
    return new Round(shed, 0);
  }
}

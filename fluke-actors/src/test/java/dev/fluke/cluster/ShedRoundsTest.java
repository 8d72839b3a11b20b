package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The rebalancer's rounds: agents arriving in bulk (another node failing over) move nothing. */
class ShedRoundsTest {
  /** This node holds {@code held} of 1,000 agents on 3 nodes: share 334, slack 33. */
  private static FleetShare holding(int held) {
    return new FleetShare(held, 1000, 3);
  }

  @Test
  void agentsFailingOverToThisNodeMoveNothingInThatRound() {
    // a settled cluster, then a node dies: its agents arrive here while it is still a member
    ShedRounds rounds = new ShedRounds(100);
    assertEquals(new ShedRounds.Round(0, 0), rounds.next(holding(334), true));
    assertEquals(new ShedRounds.Round(0, 100), rounds.next(holding(489), true));
    // once they stopped arriving (by then the failure detector has spoken, and the membership
    // change holds the next rounds back for settle), the node hands its excess over as before
    assertEquals(new ShedRounds.Round(100, 0), rounds.next(holding(489), true));
  }

  @Test
  void aNodeHandingOverDownToItsShareStopsWhenAgentsArrive() {
    // the tail of a rebalancing (335 of share 334, one per round), then a frozen node's agents
    // start to arrive: 20, fewer than the slack, and 355 is within it
    ShedRounds rounds = new ShedRounds(100);
    assertEquals(34, rounds.next(holding(368), true).shed(), "above the slack: down to 334");
    assertEquals(1, rounds.next(holding(335), true).shed(), "down to the share, one by one");
    assertEquals(
        new ShedRounds.Round(0, 0),
        rounds.next(holding(355), true),
        "receiving: keeps 355 (allowed 367), nothing held back");
  }

  @Test
  void twoNodesAboveTheirShareBothHandOverThoughOneReceivesFromTheOther() {
    // 397 / 0 / 603: this node sheds down to 334 while the other one's round brings it ~50
    ShedRounds rounds = new ShedRounds(100);
    assertEquals(63, rounds.next(holding(397), true).shed());
    assertEquals(50, rounds.next(holding(384), true).shed(), "its own shedding outweighs it");
  }

  @Test
  void nothingMovesBeforeTheClusterHasSettledAndTheFirstRoundKnowsNoPast() {
    ShedRounds rounds = new ShedRounds(100);
    assertEquals(new ShedRounds.Round(0, 0), rounds.next(holding(600), false));
    assertEquals(new ShedRounds.Round(0, 0), rounds.next(holding(700), false));
    // a node under its share that receives in bulk has nothing to hold back either
    ShedRounds under = new ShedRounds(100);
    under.next(holding(200), true);
    assertEquals(new ShedRounds.Round(0, 0), under.next(holding(300), true));
    assertEquals(100, new ShedRounds(100).next(holding(700), true).shed(), "no past: no flood");
  }

  @Test
  void floodedAndReceivingCountFromTheLastRound() {
    FleetShare now = holding(400);
    assertTrue(now.floodedSince(366));
    assertFalse(now.floodedSince(367), "33 arrived: the slack");
    assertFalse(now.floodedSince(-1), "unknown");
    assertTrue(now.receivingSince(397));
    assertFalse(now.receivingSince(398));
    assertFalse(now.receivingSince(450), "it lost agents");
  }
}

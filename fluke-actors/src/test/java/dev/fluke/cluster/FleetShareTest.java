package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetShareTest {
  private static final String A = "pekko://fluke-server@127.0.0.1:1";
  private static final String B = "pekko://fluke-server@127.0.0.1:2";
  private static final String C = "pekko://fluke-server@127.0.0.1:3";
  private static final Set<String> ABC = Set.of(A, B, C);

  private static List<AgentLocation> held(int a, int b, int c) {
    List<AgentLocation> out = new ArrayList<>();
    for (int i = 0; i < a; i++) {
      out.add(new AgentLocation(A, i, true));
    }
    for (int i = 0; i < b; i++) {
      out.add(new AgentLocation(B, i, true));
    }
    for (int i = 0; i < c; i++) {
      out.add(new AgentLocation(C, i, true));
    }
    return out;
  }

  @Test
  void aRestartedNodeGetsItsShareFromTheOthersInSlices() {
    // 1,000 agents on a and b, none on c (just restarted): a and b shed down to 334
    FleetShare a = FleetShare.of(held(500, 500, 0), ABC, A);
    assertEquals(334, a.share());
    assertEquals(100, a.excess(100, false), "at most a round's worth");
    assertEquals(166, a.excess(1000, false), "down to the share");
    assertEquals(
        0, FleetShare.of(held(500, 500, 0), ABC, C).excess(100, false), "c takes, never sheds");
    assertTrue(a.why().contains("holds 500 of the 1000 agents on 3 nodes (its share: 334)"));
  }

  @Test
  void anAgentMovedByRebalancingIsSentOnByANodeThatHoldsItsShare() {
    // 1,000 agents, share 334: c (restarted, 200) takes moved agents; a at its share and b above
    // it send them on, so a move does not land on another node above its share
    assertFalse(FleetShare.of(held(466, 334, 200), ABC, C).sendsMovedAgentsOn());
    assertTrue(FleetShare.of(held(466, 334, 200), ABC, B).sendsMovedAgentsOn(), "at its share");
    assertTrue(FleetShare.of(held(466, 334, 200), ABC, A).sendsMovedAgentsOn(), "above it");
    assertFalse(FleetShare.of(held(335, 333, 332), ABC, B).sendsMovedAgentsOn(), "one below");
    // a node that holds nothing (just restarted, or its replica not read yet) takes them, and so
    // does a node alone
    assertFalse(FleetShare.of(held(0, 0, 0), ABC, A).sendsMovedAgentsOn());
    assertFalse(FleetShare.of(held(10, 0, 0), Set.of(A), A).sendsMovedAgentsOn());
  }

  @Test
  void smallDifferencesAreLeftAsTheyAre() {
    // share 334, slack 33: up to 367 stays
    assertEquals(0, FleetShare.of(held(367, 333, 300), ABC, A).excess(100, false));
    assertEquals(34, FleetShare.of(held(368, 332, 300), ABC, A).excess(100, false));
    // small fleets: at least 2 over the share before anything moves
    assertEquals(0, FleetShare.of(held(4, 1, 1), ABC, A).excess(100, false), "share 2, allowed 4");
    assertEquals(3, FleetShare.of(held(5, 1, 0), ABC, A).excess(100, false));
  }

  @Test
  void onceStartedANodeShedsDownToItsShareRoundAfterRound() {
    // 12 agents, share 4, allowed 6: 3 per round from 12 to 9, 6, then 4
    assertEquals(3, FleetShare.of(held(12, 0, 0), ABC, A).excess(3, false));
    assertEquals(3, FleetShare.of(held(9, 3, 0), ABC, A).excess(3, true));
    assertEquals(0, FleetShare.of(held(6, 3, 3), ABC, A).excess(3, false), "within the slack");
    assertEquals(2, FleetShare.of(held(6, 3, 3), ABC, A).excess(3, true), "still shedding");
    assertEquals(0, FleetShare.of(held(4, 4, 4), ABC, A).excess(3, true), "at its share");
  }

  @Test
  void agentsOnTheirWayCountInTheFleet() {
    // 3 of node a's agents are reconnecting: without them the share would be 3 and a would shed
    FleetShare a = FleetShare.of(held(9, 0, 0), ABC, A);
    assertEquals(3, a.share());
    assertEquals(4, a.plus(3).share());
    assertEquals(3, a.plus(3).excess(3, true));
    assertEquals(0, FleetShare.of(held(6, 3, 0), ABC, A).plus(3).excess(3, false));
  }

  @Test
  void nothingMovesWithoutAnotherServingNode() {
    assertEquals(0, FleetShare.of(held(10, 0, 0), Set.of(A), A).excess(100, false));
  }

  @Test
  void onlyLiveAgentsOfServingNodesCount() {
    List<AgentLocation> entries = held(9, 0, 6); // c is leaving: not serving
    entries.add(new AgentLocation(B, 1, false)); // ended on b
    FleetShare a = FleetShare.of(entries, Set.of(A, B), A);
    assertEquals(9, a.total());
    assertEquals(2, a.nodes());
    assertEquals(4, a.excess(100, false), "share 5, allowed 7");
  }
}

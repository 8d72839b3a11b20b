package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClusterBenchTest {
  @Test
  void theBenchReportsTheHeartbeatTheServersUse() {
    // The servers run with a cluster's default (without a cluster block: a single server's)
    // unless their JVM options set it (the last one wins).
    assertEquals(Duration.ofSeconds(2), ClusterBench.heartbeat(List.of("-Xss512k"), false));
    assertEquals(Duration.ofSeconds(10), ClusterBench.heartbeat(List.of("-Xss512k"), true));
    for (boolean plain : new boolean[] {false, true}) {
      assertEquals(
          Duration.ofMillis(1500),
          ClusterBench.heartbeat(
              List.of(
                  "-Dfluke.server.agents.heartbeat-interval=5s",
                  "-Dfluke.server.agents.heartbeat-interval=1500ms"),
              plain));
    }
  }

  @Test
  void phaseEReadsTheNodesCountersAndCountsTheRestartedNodeFromZero() {
    String scrape =
        """
        # HELP fluke_agent_moves_total Idle agents this node asked to reconnect
        # TYPE fluke_agent_moves_total counter
        fluke_agent_moves_total 17.0
        fluke_agent_moves_sent_on_total 4.0
        """;
    assertEquals(17, new Scrape(scrape).counter("fluke_agent_moves_total"));
    assertEquals(4, new Scrape(scrape).counter("fluke_agent_moves_sent_on_total"));
    assertEquals(0, new Scrape(scrape).counter("fluke_agent_connections_total"));
    // node 1 was restarted (its counter before is of the dead process); node 2 unreadable before
    assertEquals(
        (30 - 10) + 2 + 5, ClusterBench.sum(new long[] {30, 2, 5}, new long[] {10, 50, -1}, 1));
  }

  @Test
  void percentilesAreNearestRankOfTheSortedTimes() {
    List<Duration> times =
        IntStream.rangeClosed(1, 200).mapToObj(i -> Duration.ofMillis(201 - i)).toList();
    ClusterBench.Percentiles p = ClusterBench.Percentiles.of(times);
    assertEquals(200, p.count());
    assertEquals(Duration.ofMillis(100), p.p50());
    assertEquals(Duration.ofMillis(190), p.p95());
    assertEquals(Duration.ofMillis(198), p.p99());
    assertEquals(Duration.ofMillis(200), p.max());
  }

  @Test
  void oneTimeIsEveryPercentile() {
    ClusterBench.Percentiles p = ClusterBench.Percentiles.of(List.of(Duration.ofSeconds(3)));
    assertEquals(Duration.ofSeconds(3), p.p50());
    assertEquals(Duration.ofSeconds(3), p.p99());
    assertEquals(0, ClusterBench.Percentiles.of(List.of()).count());
  }

  @Test
  void theVictimIsTheNodeHoldingMostAgentsTheLowestOnATie() {
    assertEquals(2, ClusterBench.mostAgents(Map.of("a", 0, "b", 2, "c", 2, "d", 1)));
    assertEquals(1, ClusterBench.mostAgents(Map.of("a", 1, "b", 2, "c", 1, "d", 2)));
  }

  @Test
  void theFleetIsSpreadWhenNoNodeHoldsMoreThanTheRebalancerLetsItKeep() {
    // 1,000 agents on 3 nodes: share 334, slack 33, so a node keeps up to 367 without handing over
    assertTrue(ClusterBench.balanced(fleet(367, 333, 300), 3));
    assertFalse(ClusterBench.balanced(fleet(368, 332, 300), 3));
    assertFalse(ClusterBench.balanced(fleet(578, 95, 327), 3)); // a fleet just come up
    assertFalse(ClusterBench.balanced(fleet(500, 500, 0), 3)); // a node started again, empty
    assertTrue(ClusterBench.balanced(fleet(334, 333, 333), 3));
  }

  @Test
  void theSpreadIsSteadyWhenNoNodeGainedOrLostMoreThanTwoAgentsInTheInterval() {
    assertTrue(
        ClusterBench.steady(Map.of(0, 334L, 1, 331L, 2, 335L), Map.of(0, 335L, 1, 333L, 2, 334L)));
    assertFalse(
        ClusterBench.steady(Map.of(0, 374L, 1, 281L, 2, 345L), Map.of(0, 345L, 1, 316L, 2, 339L)));
    assertFalse(ClusterBench.steady(null, Map.of(0, 334L)));
    assertFalse(ClusterBench.steady(Map.of(0, 500L, 2, 500L), Map.of(0, 334L, 1, 333L, 2, 333L)));
  }

  /** Agent name → node for {@code counts[i]} agents on node i. */
  private static Map<String, Integer> fleet(int... counts) {
    Map<String, Integer> holders = new java.util.HashMap<>();
    for (int node = 0; node < counts.length; node++) {
      for (int i = 0; i < counts[node]; i++) {
        holders.put("n" + node + "-" + i, node);
      }
    }
    return holders;
  }

  @Test
  void phasesAreLettersAToEInTheirOwnOrderAndAnythingElseIsRefused() {
    assertEquals(
        java.util.List.of("a", "b", "c", "d", "e"), List.copyOf(ClusterBench.phases("a,b,c,d,e")));
    assertEquals(List.of("a", "d"), List.copyOf(ClusterBench.phases("d, a")));
    org.junit.jupiter.api.Assertions.assertThrows(
        dev.fluke.app.cli.CliException.class, () -> ClusterBench.phases("f"));
    org.junit.jupiter.api.Assertions.assertThrows(
        dev.fluke.app.cli.CliException.class, () -> ClusterBench.phases(""));
  }

  @Test
  void theNodesHaveSettledWhenThreeWindowsAgreeOrTheyAreIdleOrAMinutePassed() {
    assertFalse(ClusterBench.Routine.settled(List.of(0.82)));
    assertFalse(ClusterBench.Routine.settled(List.of(0.40, 0.39)), "three windows are needed");
    assertFalse(ClusterBench.Routine.settled(List.of(0.82, 0.60, 0.45)), "still falling");
    assertTrue(ClusterBench.Routine.settled(List.of(0.82, 0.60, 0.45, 0.40, 0.38)));
    assertFalse(ClusterBench.Routine.settled(List.of(0.40, 0.31, 1.00)), "a burst");
    assertTrue(ClusterBench.Routine.settled(List.of(0.9, 0.02)), "idle");
    List<Double> noisy = new java.util.ArrayList<>();
    for (int i = 0; i < ClusterBench.Routine.MAX_WINDOWS; i++) {
      noisy.add(i % 2 == 0 ? 0.3 : 1.0);
      assertEquals(i == ClusterBench.Routine.MAX_WINDOWS - 1, ClusterBench.Routine.settled(noisy));
    }
  }

  @Test
  void theRollingRestartTakesTheBusiestNodeNotRestartedYet() {
    Map<String, Integer> holders = Map.of("a", 2, "b", 2, "c", 1, "d", 0, "e", 1);
    assertEquals(1, ClusterBench.nextToRestart(holders, java.util.Set.of(), 3));
    assertEquals(1, ClusterBench.nextToRestart(holders, java.util.Set.of(2), 3));
    assertEquals(0, ClusterBench.nextToRestart(holders, java.util.Set.of(1, 2), 3));
    assertEquals(
        0, ClusterBench.nextToRestart(Map.of("a", 2), java.util.Set.of(2), 3)); // no agents: lowest
  }
}

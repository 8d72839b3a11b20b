package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the agent lists of a cluster's nodes make one list; no actors involved. */
class AgentListMergeTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  private static Dto.AgentSummary agent(String name, boolean connected, Instant lastSeen) {
    return new Dto.AgentSummary(
        name,
        Map.of(),
        "1",
        connected,
        null,
        lastSeen,
        CyclePhase.IDLE,
        null,
        Dto.StatusCounts.EMPTY,
        0);
  }

  private static AgentLocation on(String node, boolean live) {
    return new AgentLocation(node, 1, live);
  }

  private static List<String> names(Dto.Partial<List<Dto.AgentSummary>> p) {
    return p.value().stream().map(Dto.AgentSummary::name).toList();
  }

  @Test
  void everyNodesAgentsAreListedOnceByNameWithTheirNode() {
    Map<String, List<Dto.AgentSummary>> answers = new HashMap<>();
    answers.put("n2", List.of(agent("b", true, T0), agent("a", false, T0)));
    Dto.Partial<List<Dto.AgentSummary>> p =
        AgentListMerge.merge(
            "n1",
            List.of(agent("a", true, T0), agent("c", true, T0)),
            answers,
            List.of(),
            Map.of());
    assertEquals(List.of("a", "b", "c"), names(p));
    assertEquals("n1", p.value().get(0).node(), "the connected summary wins");
    assertEquals("n2", p.value().get(1).node());
    assertTrue(p.complete());
  }

  @Test
  void betweenTwoDisconnectedSummariesTheMostRecentlySeenWins() {
    Map<String, Dto.AgentSummary> byName = new HashMap<>();
    AgentListMerge.keep(byName, agent("a", false, T0).onNode("n1"));
    AgentListMerge.keep(byName, agent("a", false, T0.plusSeconds(5)).onNode("n2"));
    AgentListMerge.keep(byName, agent("a", false, null).onNode("n3"));
    assertEquals("n2", byName.get("a").node());
  }

  @Test
  void theAgentsOfANodeThatDidNotAnswerAreUnknownAndTheNodeNamed() {
    Map<String, List<Dto.AgentSummary>> answers = new HashMap<>();
    answers.put("n3", null); // asked, no answer in time
    Map<String, AgentLocation> directory =
        Map.of(
            "x", on("n3", true),
            "y", on("n4", true), // n4: up but its service was not listed
            "z", on("n3", false), // its session there ended: not shown
            "a", on("n3", true)); // connected here meanwhile: the live summary stays
    Dto.Partial<List<Dto.AgentSummary>> p =
        AgentListMerge.merge(
            "n1", List.of(agent("a", true, T0)), answers, List.of("n4"), directory);
    assertEquals(List.of("a", "x", "y"), names(p));
    assertTrue(p.value().get(0).connected());
    Dto.AgentSummary x = p.value().get(1);
    assertEquals(CyclePhase.UNKNOWN, x.cycle());
    assertEquals("n3", x.node());
    assertFalse(x.connected());
    assertEquals(List.of("n3", "n4"), p.missingNodes());
  }

  @Test
  void anAgentOfANodeThatAnsweredIsNeverMadeUnknown() {
    Map<String, List<Dto.AgentSummary>> answers = new HashMap<>();
    answers.put("n2", List.of());
    Dto.Partial<List<Dto.AgentSummary>> p =
        AgentListMerge.merge("n1", List.of(), answers, List.of(), Map.of("q", on("n2", true)));
    assertEquals(List.of(), p.value(), "n2 answered without it: it left n2 meanwhile");
    assertTrue(p.complete());
  }
}

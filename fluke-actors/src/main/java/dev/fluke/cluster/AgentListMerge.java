package dev.fluke.cluster;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the agent lists of the cluster's nodes make the fleet's one list (pure; {@link FleetListing}
 * gathers them): one summary per agent, a connected one winning, each marked with its node; the
 * nodes that did not answer in time are named, and the agents the directory places on them (or on a
 * node no longer a member) are listed as {@link CyclePhase#UNKNOWN} rather than with stale state.
 */
final class AgentListMerge {
  private AgentListMerge() {}

  /**
   * @param self this node's address
   * @param mine this node's agents
   * @param answers every other node asked: its agents, or null when it did not answer in time
   * @param unlisted members that are up but whose service was not even listed (not asked)
   * @param locations the agent directory (this node's replica)
   */
  static Dto.Partial<List<Dto.AgentSummary>> merge(
      String self,
      List<Dto.AgentSummary> mine,
      Map<String, List<Dto.AgentSummary>> answers,
      List<String> unlisted,
      Map<String, AgentLocation> locations) {
    Map<String, Dto.AgentSummary> byName = new HashMap<>();
    for (Dto.AgentSummary a : mine) {
      keep(byName, a.onNode(self));
    }
    List<String> missing = new ArrayList<>(unlisted);
    Set<String> answered = new HashSet<>();
    answered.add(self);
    answers.forEach(
        (node, got) -> {
          if (got == null) {
            missing.add(node);
          } else {
            answered.add(node);
            got.forEach(a -> keep(byName, a.onNode(node)));
          }
        });
    // Agents whose node did not answer, or is no longer a member (crashed and removed, and the
    // agent has not registered elsewhere yet), come from the directory as unknown.
    locations.forEach(
        (name, l) -> {
          Dto.AgentSummary known = byName.get(name);
          if (l.live() && !answered.contains(l.node()) && (known == null || !known.connected())) {
            byName.put(name, unknown(name, l.node()));
          }
        });
    List<Dto.AgentSummary> sorted =
        byName.values().stream().sorted(Comparator.comparing(Dto.AgentSummary::name)).toList();
    return new Dto.Partial<>(sorted, missing.stream().sorted().toList());
  }

  /** An agent of a node that did not answer: nothing about it is shown as current. */
  static Dto.AgentSummary unknown(String name, String node) {
    return new Dto.AgentSummary(
        name,
        Map.of(),
        null,
        false,
        null,
        null,
        CyclePhase.UNKNOWN,
        null,
        Dto.StatusCounts.EMPTY,
        0,
        node);
  }

  /** One summary per agent: a connected one wins, else the most recently seen. */
  static void keep(Map<String, Dto.AgentSummary> byName, Dto.AgentSummary a) {
    byName.merge(
        a.name(),
        a,
        (x, y) -> {
          if (x.connected() != y.connected()) {
            return x.connected() ? x : y;
          }
          if (x.lastSeen() == null) {
            return y;
          }
          return y.lastSeen() != null && y.lastSeen().isAfter(x.lastSeen()) ? y : x;
        });
  }
}

package dev.fluke.cluster;

import java.util.Collection;
import java.util.Set;

/**
 * This node's part of the fleet, read from its replica of the agent directory (docs/cluster.md,
 * "Rebalancing"): the agents it holds, the agents held by every serving node, and how many of its
 * own it hands to the other nodes now.
 *
 * <p>A node's share is the fleet divided by the serving nodes, rounded up. A node sheds only when
 * it holds more than its share plus a slack (a tenth of the share, at least 2 agents): every move
 * costs the agent a reconnect and a full check, so small differences are left as they are. It then
 * sheds, round after round, down to its share, at most {@code maxPerRound} agents per round, so the
 * other nodes take the agents in slices. Nodes that are under their share never shed, so nothing
 * moves back and forth: the total above the shares only shrinks. Agents on their way from one node
 * to another ({@link AgentMoves}) are part of the fleet, held by none.
 *
 * @param held the live agents of this node
 * @param total the live agents of every serving node
 * @param nodes the serving nodes (this one included)
 */
public record FleetShare(int held, int total, int nodes) {

  /**
   * Counts the live {@code entries} of the {@code serving} nodes, {@code self}'s apart (entries of
   * other nodes, e.g. one that is leaving, are not counted: their agents are moving anyway).
   */
  static FleetShare of(Collection<AgentLocation> entries, Set<String> serving, String self) {
    int held = 0;
    int total = 0;
    for (AgentLocation l : entries) {
      if (l.live() && serving.contains(l.node())) {
        total++;
        if (l.node().equals(self)) {
          held++;
        }
      }
    }
    return new FleetShare(held, total, serving.size());
  }

  /** With {@code inTransit} more agents in the fleet, held by no node. */
  FleetShare plus(int inTransit) {
    return new FleetShare(held, total + inTransit, nodes);
  }

  /** The fleet divided by the serving nodes, rounded up. */
  public int share() {
    return nodes == 0 ? total : (total + nodes - 1) / nodes;
  }

  /**
   * What a node may hold before it starts to hand agents over: its share plus the {@link #slack}.
   */
  public int allowed() {
    return share() + slack();
  }

  /** How far above its share a node may stay: a tenth of the share, at least 2 agents. */
  int slack() {
    return Math.max(2, share() / 10);
  }

  /**
   * More agents arrived at this node since it held {@code before} (at the last round; negative:
   * unknown) than the slack: agents failing over to it from a node that died or froze and stays a
   * member until the failure detector speaks, or reconnecting in a storm. Moving agents then would
   * send some of them to that very node.
   */
  boolean floodedSince(int before) {
    return before >= 0 && held - before > slack();
  }

  /**
   * This node gained more than 2 agents since it held {@code before}: it is receiving, so it stops
   * handing over down to its share and keeps what it holds unless that is above {@link #allowed()}.
   */
  boolean receivingSince(int before) {
    return before >= 0 && held - before > 2;
  }

  /**
   * How many agents this node sheds this round: 0 unless above {@link #allowed}, or above its share
   * when it is {@code shedding} already (it shed in the last round).
   */
  int excess(int maxPerRound, boolean shedding) {
    if (nodes < 2 || held <= share() || (!shedding && held <= allowed())) {
      return 0;
    }
    return Math.min(held - share(), maxPerRound);
  }

  /**
   * An agent just moved by another node's rebalancing is sent on from here: this node holds its
   * share or more (it would otherwise be one more node above its share, and move agents again). A
   * node that holds nothing, or is alone, takes it.
   */
  boolean sendsMovedAgentsOn() {
    return nodes > 1 && held > 0 && held >= share();
  }

  /** What the moved agents and their histories are told. */
  String why() {
    return "this server node holds "
        + held
        + " of the "
        + total
        + " agents on "
        + nodes
        + " nodes (its share: "
        + share()
        + "); reconnect to another server node";
  }
}

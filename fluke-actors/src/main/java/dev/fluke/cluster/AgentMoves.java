package dev.fluke.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The agents this node asked to move ({@link Rebalancer}) until they are admitted again somewhere
 * (plain, called on the rebalancer's thread). A moved agent's entry in the directory keeps the
 * epoch it was asked with while its session here ends (live) and while it reconnects (released);
 * any new admission, on any node, gives it a higher epoch. Until then it is part of the fleet but
 * held by no node, so it counts in the total the shares are computed from; and while one of them is
 * still live here, the round is in flight and no new one starts (the registry could pick the same
 * ending sessions again). An agent that does not come back within {@code patience} is forgotten (it
 * may have stopped for good).
 */
final class AgentMoves {
  private record Asked(long epoch, Instant at) {}

  private final Map<String, Asked> moving = new HashMap<>();
  private final Duration patience;

  AgentMoves(Duration patience) {
    this.patience = patience;
  }

  /** The agents {@code names} were asked to move; their epochs are read from {@code entries}. */
  void asked(Collection<String> names, Map<String, AgentLocation> entries, Instant now) {
    for (String name : names) {
      AgentLocation l = entries.get(name);
      moving.put(name, new Asked(l == null ? -1 : l.epoch(), now));
    }
  }

  /**
   * Brought up to date with {@code entries} (this node is {@code self}): the agents on their way to
   * another node, or -1 while one of them is still held here (a round in flight).
   */
  int inTransit(Map<String, AgentLocation> entries, String self, Instant now) {
    moving
        .entrySet()
        .removeIf(
            m -> {
              AgentLocation l = entries.get(m.getKey());
              boolean readmitted = l != null && l.epoch() != m.getValue().epoch();
              return readmitted || m.getValue().at().plus(patience).isBefore(now);
            });
    for (String name : moving.keySet()) {
      AgentLocation l = entries.get(name);
      if (l != null && l.live() && self.equals(l.node())) {
        return -1;
      }
    }
    return moving.size();
  }
}

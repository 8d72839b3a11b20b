package dev.fluke.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The agents this node asked to move ({@link Rebalancer}) until they are admitted again somewhere
 * (plain, called on the rebalancer's thread). Each is known with the epoch of its session here (the
 * registry's, exact). Its entry in this node's replica of the directory keeps that epoch while the
 * session here ends (live) and while the agent reconnects (released); any new admission, on any
 * node, gives it a higher one. Until then the agent is part of the fleet but held by no node, so it
 * counts in the total the shares are computed from. While one of them is still live here, or the
 * replica (which hears of this node's own writes up to a notification interval later) does not show
 * its epoch yet, the round is in flight and no new one starts: the registry could pick the same
 * ending sessions again, and the counts would be stale. An agent that does not come back within
 * {@code patience} is forgotten (it may have stopped for good).
 */
final class AgentMoves {
  private record Asked(long epoch, Instant at) {}

  private final Map<String, Asked> moving = new HashMap<>();
  private final Duration patience;

  AgentMoves(Duration patience) {
    this.patience = patience;
  }

  /** The agents of {@code epochs} (name → the epoch of its session here) were asked to move. */
  void asked(Map<String, Long> epochs, Instant now) {
    epochs.forEach((name, epoch) -> moving.put(name, new Asked(epoch, now)));
  }

  /**
   * Brought up to date with {@code entries} (this node's replica; this node is {@code self}): the
   * agents on their way to another node, or -1 while the last round is in flight.
   */
  int inTransit(Map<String, AgentLocation> entries, String self, Instant now) {
    moving
        .entrySet()
        .removeIf(
            m -> {
              AgentLocation l = entries.get(m.getKey());
              boolean readmitted = l != null && l.epoch() > m.getValue().epoch();
              return readmitted || m.getValue().at().plus(patience).isBefore(now);
            });
    for (Map.Entry<String, Asked> m : moving.entrySet()) {
      AgentLocation l = entries.get(m.getKey());
      boolean stale = l == null || l.epoch() < m.getValue().epoch();
      if (stale || (l.live() && self.equals(l.node()))) {
        return -1;
      }
    }
    return moving.size();
  }
}

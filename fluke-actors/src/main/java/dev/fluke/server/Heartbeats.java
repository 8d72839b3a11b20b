package dev.fluke.server;

import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether an agent is still alive, counted in heartbeat intervals (pure; an {@link AgentSession}
 * replaces it per message): every message from the agent counts as a sign of life; an interval
 * without any is a miss; {@code allowed} misses in a row evict the agent.
 *
 * @param heard something arrived since the last tick
 * @param missed silent intervals in a row
 * @param lastSeen when the agent was last heard
 */
record Heartbeats(int allowed, boolean heard, int missed, Instant lastSeen) {

  static Heartbeats start(int allowed, Instant connectedAt) {
    return new Heartbeats(allowed, true, 0, connectedAt);
  }

  Heartbeats heard(Instant now) {
    return new Heartbeats(allowed, true, missed, now);
  }

  /** One heartbeat interval passed. */
  Heartbeats tick() {
    return new Heartbeats(allowed, false, heard ? 0 : missed + 1, lastSeen);
  }

  /** Too many silent intervals in a row: the connection is dead. */
  boolean evict() {
    return missed >= allowed;
  }

  /** Why the agent is evicted, heartbeats being {@code interval} apart. */
  String evictionReason(Duration interval) {
    return "no message for " + missed + " heartbeat intervals of " + Durations.format(interval);
  }
}

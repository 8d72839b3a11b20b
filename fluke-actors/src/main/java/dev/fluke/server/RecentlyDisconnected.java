package dev.fluke.server;

import dev.fluke.api.Dto;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The agents that disconnected lately, with their last summary, in the order they disconnected:
 * kept for {@code retention} after they were last seen and at most {@code max} of them. Owned by
 * the {@link AgentRegistry} (used on its thread only).
 *
 * <p>Pruning looks only at the head (the oldest disconnection), so it costs what it removes, not
 * the fleet's size: it runs on every disconnection and every question, and a fleet reconnecting
 * after a network blip must not make the registry quadratic. (An agent evicted for silence has a
 * last-seen up to the eviction window older than its disconnection, so it can outlive the retention
 * by that much.)
 */
final class RecentlyDisconnected {
  private final Duration retention;
  private final int max;
  private final LinkedHashMap<String, Dto.AgentSummary> agents = new LinkedHashMap<>();

  RecentlyDisconnected(Duration retention, int max) {
    this.retention = retention;
    this.max = max;
  }

  /** The agent disconnected now: it goes to the end of the line. */
  void add(Dto.AgentSummary summary) {
    agents.remove(summary.name());
    agents.put(summary.name(), summary);
  }

  /** The agent is connected again. */
  void remove(String name) {
    agents.remove(name);
  }

  Dto.AgentSummary get(String name) {
    return agents.get(name);
  }

  boolean contains(String name) {
    return agents.containsKey(name);
  }

  Collection<Dto.AgentSummary> all() {
    return agents.values();
  }

  /** Forgets the agents past the retention or beyond the limit, oldest first; tells who went. */
  void prune(Instant now, Consumer<String> forgotten) {
    Instant cutoff = now.minus(retention);
    Iterator<Map.Entry<String, Dto.AgentSummary>> oldest = agents.entrySet().iterator();
    while (oldest.hasNext()) {
      Map.Entry<String, Dto.AgentSummary> e = oldest.next();
      boolean expired = e.getValue().lastSeen() != null && e.getValue().lastSeen().isBefore(cutoff);
      if (!expired && agents.size() <= max) {
        return;
      }
      oldest.remove();
      forgotten.accept(e.getKey());
    }
  }
}

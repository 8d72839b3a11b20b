package dev.fluke.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The apply results recently received from one agent, by (cycle, task), kept across its connections
 * so that a result the agent re-sends after a reconnect (because the server's {@code
 * ApplyResultAck} was lost with the old connection) is recognised as a duplicate: acknowledged
 * again, recorded once.
 *
 * <p>Owned by {@link AgentRegistry} per agent name and handed to each new {@link AgentSession} of
 * that agent; only one session of a name is live at a time. Cycle ids are unique for the life of
 * the server process, so after a server restart nothing matches and a re-sent result is recorded
 * like any other.
 */
final class ReceivedResults {
  private final Map<String, Boolean> seen;

  ReceivedResults(int capacity) {
    this.seen =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Remembers the result; false when it was received before (a duplicate). */
  synchronized boolean firstTime(long cycleId, String task) {
    return seen.put(cycleId + "/" + task, Boolean.TRUE) == null;
  }
}

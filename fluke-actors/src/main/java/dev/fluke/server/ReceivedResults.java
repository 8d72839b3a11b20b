package dev.fluke.server;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

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
  private Consumer<String> onFirst = key -> {};

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
  boolean firstTime(long cycleId, String task) {
    String key = key(cycleId, task);
    Consumer<String> listener;
    synchronized (this) {
      if (seen.put(key, Boolean.TRUE) != null) {
        return false;
      }
      listener = onFirst;
    }
    listener.accept(key);
    return true;
  }

  /** The key of a result: {@code cycle/task}. */
  static String key(long cycleId, String task) {
    return cycleId + "/" + task;
  }

  /**
   * Cluster mode: results the agent's earlier sessions received on other nodes (from the cluster
   * directory), so that one re-sent after a failover is a duplicate here too.
   */
  synchronized void seed(Collection<String> keys) {
    for (String k : keys) {
      seen.put(k, Boolean.TRUE);
    }
  }

  /** Cluster mode: told each result received for the first time (recorded cluster-wide). */
  synchronized void onFirst(Consumer<String> listener) {
    this.onFirst = listener;
  }
}

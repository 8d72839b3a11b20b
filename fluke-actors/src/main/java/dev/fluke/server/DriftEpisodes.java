package dev.fluke.server;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Which alerts an open drift episode of an (agent, task) pair has had: {@code drift_detected} and
 * {@code drift_remediated} go out at most once each per episode. An episode opens with its first
 * alert and ends when the task is seen satisfied again ({@link #end}). At most {@code maxOpen}
 * episodes are kept; beyond that the least recently alerted are forgotten first (they may alert
 * again). Owned by {@link DriftAlerter}; not thread-safe.
 */
final class DriftEpisodes implements EpisodeBook {
  private final int maxOpen;
  // Insertion-ordered (re-inserted on every alert) so that the oldest are forgotten first.
  private final LinkedHashMap<String, Sent> open = new LinkedHashMap<>();

  DriftEpisodes(int maxOpen) {
    this.maxOpen = maxOpen;
  }

  @Override
  public Sent sent(String agent, String task) {
    return open.get(key(agent, task));
  }

  @Override
  public void end(String agent, String task) {
    open.remove(key(agent, task));
  }

  int size() {
    return open.size();
  }

  @Override
  public void remember(String agent, String task, Sent sent) {
    String key = key(agent, task);
    open.remove(key);
    open.put(key, sent);
    Iterator<String> oldest = open.keySet().iterator();
    while (open.size() > maxOpen && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  private static String key(String agent, String task) {
    return agent + '\n' + task;
  }
}

package dev.fluke.cluster;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The event histories of nodes that keep stores of their own (memory), merged into one answer to
 * {@code GET /api/v1/events}: every node was asked the same {@link EventQuery} (its filters and
 * limit), each answered newest first in its store's order; the merge takes, one at a time, the
 * newest of the nodes' next events (a tie goes to the node with the smaller address, so every node
 * answers with the same list), keeps each node's own order, applies the query's filters again and
 * cuts the result to the query's limit.
 *
 * <p>No deduplication: events carry no id, and an event is recorded by exactly one node (the one
 * where it happened; the live relay shows other nodes' events to viewers but never stores them), so
 * two equal-looking events from two nodes are two records (e.g. each node's own {@code
 * manifest/loaded} for one commit).
 */
final class EventsMerge {
  private EventsMerge() {}

  static List<Event> merge(Map<String, List<Event>> byNode, EventQuery query) {
    int limit = query.limit() <= 0 ? Integer.MAX_VALUE : query.limit();
    List<List<Event>> lists = new ArrayList<>(new TreeMap<>(byNode).values());
    int[] next = new int[lists.size()];
    List<Event> out = new ArrayList<>();
    while (out.size() < limit) {
      int pick = -1;
      for (int i = 0; i < lists.size(); i++) {
        if (next[i] < lists.get(i).size()
            && (pick < 0 || head(lists, next, i).isAfter(head(lists, next, pick)))) {
          pick = i;
        }
      }
      if (pick < 0) {
        break;
      }
      Event e = lists.get(pick).get(next[pick]++);
      if (query.matches(e)) {
        out.add(e);
      }
    }
    return List.copyOf(out);
  }

  /** The time of node {@code i}'s next event. */
  private static java.time.Instant head(List<List<Event>> lists, int[] next, int i) {
    return lists.get(i).get(next[i]).time();
  }
}

package dev.fluke.cluster;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The event histories of nodes that keep stores of their own (memory), merged into one answer to
 * {@code GET /api/v1/events}: every node was asked the same {@link EventQuery} (its filters and
 * limit) and answered newest first as its store keeps them; the merge lists all of them newest
 * first by time (a node's store lists in the order events were appended, which can differ from
 * their times by a few microseconds when two actors record at once; across nodes only the time can
 * order), equal times in the order of the nodes' addresses and then of each node's answer, so every
 * node answers with the same list; then the query's filters are applied again and the list is cut
 * to the query's limit.
 *
 * <p>No deduplication: events carry no id, and an event is recorded by exactly one node (the one
 * where it happened; the live relay shows other nodes' events to viewers but never stores them), so
 * two equal-looking events from two nodes are two records (e.g. each node's own {@code
 * manifest/loaded} for one commit).
 */
final class EventsMerge {
  private EventsMerge() {}

  static List<Event> merge(Map<String, List<Event>> byNode, EventQuery query) {
    long limit = query.limit() <= 0 ? Long.MAX_VALUE : query.limit();
    List<Event> all = new ArrayList<>();
    new TreeMap<>(byNode).values().forEach(all::addAll);
    // a stable sort: equal times keep the order of the nodes' addresses and of each answer
    all.sort(Comparator.comparing(Event::time).reversed());
    return all.stream().filter(query::matches).limit(limit).toList();
  }
}

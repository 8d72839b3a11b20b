package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merge of every node's events into one history: order, ties, filters, limit, no dedup. */
class EventsMergeTest {
  private static final Instant T = Instant.parse("2026-12-05T10:00:00Z");

  private static Event at(int second, String agent, String outcome) {
    return Event.agent(T.plusSeconds(second), agent, outcome, agent + " " + outcome + " " + second);
  }

  private static List<String> messages(List<Event> events) {
    return events.stream().map(Event::message).toList();
  }

  @Test
  void theNodesHistoriesAreInterleavedNewestFirst() {
    Map<String, List<Event>> byNode = new LinkedHashMap<>();
    byNode.put("node-b", List.of(at(9, "web-1", "connected"), at(4, "web-1", "connected")));
    byNode.put(
        "node-a",
        List.of(at(8, "web-0", "connected"), at(5, "web-0", "connected"), at(1, "web-0", "x")));
    byNode.put("node-c", List.of(at(7, "web-2", "connected")));

    List<Event> merged = EventsMerge.merge(byNode, EventQuery.latest(50));

    assertEquals(
        List.of(
            "web-1 connected 9",
            "web-0 connected 8",
            "web-2 connected 7",
            "web-0 connected 5",
            "web-1 connected 4",
            "web-0 x 1"),
        messages(merged));
  }

  @Test
  void theMergedListIsCutToTheQuerysLimit() {
    // every node answered with up to the limit: the merge keeps the newest of all of them
    Map<String, List<Event>> byNode =
        Map.of(
            "node-a", List.of(at(6, "a", "connected"), at(3, "a", "connected")),
            "node-b", List.of(at(5, "b", "connected"), at(2, "b", "connected")),
            "node-c", List.of(at(4, "c", "connected"), at(1, "c", "connected")));

    List<Event> merged = EventsMerge.merge(byNode, EventQuery.latest(2));

    assertEquals(List.of("a connected 6", "b connected 5"), messages(merged));
  }

  @Test
  void theQuerysFiltersHoldAfterTheMerge() {
    Map<String, List<Event>> byNode =
        Map.of(
            "node-a", List.of(at(6, "web-0", "connected"), at(3, "web-0", "disconnected")),
            "node-b", List.of(at(5, "web-1", "connected"), at(2, "web-0", "connected")));

    List<Event> merged = EventsMerge.merge(byNode, new EventQuery("web-0", null, "connected", 10));

    assertEquals(List.of("web-0 connected 6", "web-0 connected 2"), messages(merged));
  }

  @Test
  void equalTimesGoToTheSmallerAddressFirstAndKeepEachNodesOrder() {
    Map<String, List<Event>> byNode = new LinkedHashMap<>();
    byNode.put(
        "node-b",
        List.of(at(5, "b2", "connected"), at(5, "b1", "connected"), at(2, "b0", "connected")));
    byNode.put("node-a", List.of(at(5, "a1", "connected"), at(3, "a0", "connected")));

    List<Event> merged = EventsMerge.merge(byNode, EventQuery.latest(10));

    assertEquals(
        List.of(
            "a1 connected 5",
            "b2 connected 5",
            "b1 connected 5",
            "a0 connected 3",
            "b0 connected 2"),
        messages(merged));
  }

  @Test
  void aNodesEventsAppendedOutOfTimeOrderAreListedByTime() {
    // two actors of node-a recorded at once: its store lists them in append order
    Map<String, List<Event>> byNode =
        Map.of(
            "node-a",
            List.of(at(4, "a", "loaded"), at(6, "a", "loaded"), at(1, "a", "loaded")),
            "node-b",
            List.of(at(5, "b", "loaded")));

    List<Event> merged = EventsMerge.merge(byNode, EventQuery.latest(10));

    assertEquals(List.of("a loaded 6", "b loaded 5", "a loaded 4", "a loaded 1"), messages(merged));
  }

  @Test
  void anEventRecordedOnTwoNodesIsTwoEvents() {
    Event loaded = Event.manifest(T, "loaded", "loaded commit abc");
    Map<String, List<Event>> byNode =
        Map.of("node-a", List.of(loaded), "node-b", List.of(loaded), "node-c", List.of());

    assertEquals(List.of(loaded, loaded), EventsMerge.merge(byNode, EventQuery.latest(10)));
  }
}

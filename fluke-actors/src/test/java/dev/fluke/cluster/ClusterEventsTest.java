package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Which history a cluster node answers {@code GET /api/v1/events} with: a shared store's own (no
 * question to the other nodes), else every node's merged, naming the nodes that did not answer.
 */
class ClusterEventsTest {
  private static final Instant T = Instant.parse("2026-12-05T10:00:00Z");

  private final MemoryEventStore mine = new MemoryEventStore(100, 100, 100);
  private final List<EventQuery> asked = new ArrayList<>();

  private static Event connected(int second, String agent) {
    return Event.agent(T.plusSeconds(second), agent, "connected", agent + " " + second);
  }

  private Function<EventQuery, CompletionStage<NodeFanout.Gathered<List<Event>>>> everyNode(
      Map<String, List<Event>> others, List<String> missing) {
    return q -> {
      asked.add(q);
      return mine.query(q)
          .thenApply(
              own -> {
                var answers = new java.util.LinkedHashMap<String, List<Event>>();
                answers.put("node-a", own);
                answers.putAll(others);
                return new NodeFanout.Gathered<>(answers, missing);
              });
    };
  }

  private static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  @Test
  void aSharedStoreAnswersFromThisNodeWithoutAskingTheOthers() {
    mine.append(connected(1, "web-0")).toCompletableFuture().join();
    mine.append(connected(2, "web-1")).toCompletableFuture().join();
    ClusterEvents events =
        new ClusterEvents(
            mine::query, true, everyNode(Map.of("node-b", List.of(connected(3, "x"))), List.of()));

    Dto.Partial<List<Event>> answer = join(events.events(EventQuery.latest(10)));

    assertTrue(answer.complete());
    assertEquals(
        List.of("web-1 2", "web-0 1"), answer.value().stream().map(Event::message).toList());
    assertEquals(List.of(), asked, "a shared store never asks the other nodes");
  }

  @Test
  void storesOfTheirOwnAreAskedTheSameQueryAndMergedNamingTheNodesThatDidNotAnswer() {
    mine.append(connected(1, "web-0")).toCompletableFuture().join();
    mine.append(connected(4, "web-0")).toCompletableFuture().join();
    ClusterEvents events =
        new ClusterEvents(
            mine::query,
            false,
            everyNode(
                Map.of("node-b", List.of(connected(3, "web-1"), connected(2, "web-1"))),
                List.of("node-c")));
    EventQuery query = EventQuery.latest(3);

    Dto.Partial<List<Event>> answer = join(events.events(query));

    assertEquals(List.of(query), asked);
    assertEquals(
        List.of("web-0 4", "web-1 3", "web-1 2"),
        answer.value().stream().map(Event::message).toList());
    assertEquals(List.of("node-c"), answer.missingNodes());
  }

  @Test
  void whenNoNodeAnsweredThisNodesStoreFailureIsTheAnswer() {
    ClusterEvents events =
        new ClusterEvents(
            q -> CompletableFuture.failedFuture(new IllegalStateException("history unavailable")),
            false,
            q -> CompletableFuture.completedFuture(new NodeFanout.Gathered<>(Map.of(), List.of())));

    CompletionException failed =
        assertThrows(CompletionException.class, () -> join(events.events(EventQuery.latest(5))));
    assertEquals("history unavailable", failed.getCause().getMessage());
  }

  private static Dto.AgentDetail detail(List<Event> recent, String unavailable) {
    Dto.AgentSummary agent =
        new Dto.AgentSummary(
            "web-01",
            Map.of(),
            "1.0",
            true,
            T,
            T,
            dev.fluke.api.CyclePhase.IDLE,
            T,
            new Dto.StatusCounts(1, 0, 0, 0, 0, 0, 0),
            0,
            "node-b");
    return new Dto.AgentDetail(agent, List.of(), recent, unavailable, null);
  }

  @Test
  void anAgentsDetailListsItsEventsFromEveryNodeAndNamesTheNodesThatDidNotAnswer() {
    Dto.AgentDetail fromHolder = detail(List.of(connected(5, "web-01")), null);
    List<Event> everywhere = List.of(connected(5, "web-01"), connected(1, "web-01"));

    assertEquals(
        detail(everywhere, null),
        ClusterEvents.withHistory(fromHolder, Dto.Partial.complete(everywhere)));

    Dto.AgentDetail partial =
        ClusterEvents.withHistory(fromHolder, new Dto.Partial<>(everywhere, List.of("node-c")));
    assertEquals(everywhere, partial.recentEvents());
    assertEquals(
        "server node(s) did not answer, their events of this agent are not listed: node-c",
        partial.historyUnavailable());

    // the holder did not answer: what its detail says stays, the other nodes' events are listed
    Dto.AgentDetail unknown = detail(List.of(), "server node node-b holding this agent did not");
    Dto.AgentDetail merged =
        ClusterEvents.withHistory(unknown, new Dto.Partial<>(everywhere, List.of("node-b")));
    assertEquals(everywhere, merged.recentEvents());
    assertTrue(
        merged.historyUnavailable().startsWith("server node node-b holding this agent did not; "),
        merged.historyUnavailable());

    // no node could answer: the detail as it came
    assertEquals(fromHolder, ClusterEvents.withHistory(fromHolder, null));
  }
}

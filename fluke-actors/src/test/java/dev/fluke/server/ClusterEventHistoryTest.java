package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.exec.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One event history over three nodes with in-memory stores (real Artery on loopback, three full
 * engines, one agent registered on each node): any node lists every node's events, newest first,
 * the limit holds on the merged list, and a node that does not answer is named while the others'
 * events are still listed.
 */
class ClusterEventHistoryTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  private static ClusterEngines engines;
  private static ClusterNodes nodes;
  private static List<FlukeServer> servers;
  private static final List<TestAgent> agents = new ArrayList<>();

  @BeforeAll
  static void start() {
    engines =
        ClusterEngines.start(
            tmp, 3, task("app", "alert_only", "shell:x", "role=web"), ClusterEngines.PARTITIONABLE);
    nodes = engines.nodes;
    servers = engines.servers;
    // web-0 on node 0, web-1 on node 1, web-2 on node 2: each node records its agent's events
    agents.addAll(engines.oneAgentPerNode(i -> Outcome.SATISFIED));
    // every check result is recorded before the tests read the history
    for (int i = 0; i < 3; i++) {
      String agent = "web-" + i;
      EventQuery checks = new EventQuery(agent, "app", "satisfied", 10);
      FlukeServer holder = servers.get(i);
      await().atMost(WAIT).until(() -> !join(holder.events().query(checks)).isEmpty());
    }
  }

  @AfterAll
  static void stop() {
    engines.close();
  }

  @BeforeEach
  void everyNodeReachable() {
    engines.awaitEveryNodeReachable();
  }

  private static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  /** The fixed agents web-0…2 the events are of, sorted (the moving agent's test adds its own). */
  private static List<String> webAgentsOf(List<Event> events) {
    return events.stream().map(Event::agent).filter(a -> a.startsWith("web-")).sorted().toList();
  }

  private static void assertNewestFirst(List<Event> events) {
    for (int i = 1; i < events.size(); i++) {
      assertFalse(
          events.get(i).time().isAfter(events.get(i - 1).time()),
          "not newest first at " + i + ": " + events);
    }
  }

  @Test
  void everyNodeListsTheEventsRecordedOnEveryNodeNewestFirst() {
    // each node's own store holds only its own agent's events
    assertEquals(
        List.of(), join(servers.get(0).events().query(new EventQuery("web-2", null, null, 10))));
    EventQuery connected = new EventQuery(null, null, "connected", 50);
    List<Event> first = null;
    for (int from = 0; from < 3; from++) {
      Dto.Partial<List<Event>> answer =
          join(servers.get(from).fleetApi().eventsFromEveryNode(connected));
      assertTrue(answer.complete(), answer.missingNodes().toString());
      List<Event> events = answer.value();
      assertEquals(List.of("web-0", "web-1", "web-2"), webAgentsOf(events));
      assertNewestFirst(events);
      if (first == null) {
        first = events;
      } else if (first.size() == events.size()) { // (unless an agent connected in between)
        assertEquals(first, events, "every node answers with the same history");
      }
    }
    // one agent's history, asked on a node that does not hold it
    List<Event> web2 =
        join(servers.get(0).fleetApi().events(new EventQuery("web-2", "app", null, 50)));
    assertFalse(web2.isEmpty());
    assertTrue(web2.stream().allMatch(e -> e.agent().equals("web-2") && e.task().equals("app")));
  }

  @Test
  void theLimitHoldsOnTheMergedHistory() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Event> all = join(servers.get(1).fleetApi().events(EventQuery.latest(1000)));
              // each node has at least its agent's connected and check events and a manifest load
              assertTrue(all.size() >= 9, all.toString());
              assertNewestFirst(all);
              List<Event> two = join(servers.get(1).fleetApi().events(EventQuery.latest(2)));
              assertEquals(all.subList(0, 2), two);
              List<Event> four = join(servers.get(2).fleetApi().events(EventQuery.latest(4)));
              assertEquals(all.subList(0, 4), four);
            });
  }

  @Test
  void aNodeThatDoesNotAnswerIsNamedAndTheOthersEventsAreStillListed() {
    nodes.isolate(2);
    try {
      await().atMost(WAIT).until(() -> nodes.unreachable(0, 2));
      Dto.Partial<List<Event>> answer =
          join(
              servers
                  .get(0)
                  .fleetApi()
                  .eventsFromEveryNode(new EventQuery(null, null, "connected", 50)));
      assertEquals(List.of(nodes.address(2)), answer.missingNodes());
      assertEquals(List.of("web-0", "web-1"), webAgentsOf(answer.value()));
      assertNewestFirst(answer.value());
    } finally {
      nodes.heal(2);
    }
  }

  @Test
  void anAgentThatMovedHasItsWholeHistoryListedAndInItsDetailOnAnyNode() {
    TestAgent before = TestAgent.connect(servers.get(0).gateway(), nodes.node(0), "mover-before");
    before.register("move-01", Map.of("role", "web"));
    before.reportCheck(before.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    before.in.sendComplete();
    await()
        .atMost(WAIT)
        .until(
            () ->
                !join(servers
                        .get(0)
                        .events()
                        .query(new EventQuery("move-01", null, "disconnected", 5)))
                    .isEmpty());
    // it registers on node 1 once node 0's directory entry says its session ended
    TestAgent after =
        await()
            .atMost(WAIT)
            .until(() -> engines.registered(1, "move-01", "mover-1"), java.util.Objects::nonNull);
    after.reportCheck(after.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    await()
        .atMost(WAIT)
        .until(
            () ->
                join(servers
                            .get(1)
                            .events()
                            .query(new EventQuery("move-01", "app", "satisfied", 5)))
                        .size()
                    == 1);
    // each node's own store holds one connection of it
    for (int node = 0; node < 2; node++) {
      EventQuery connected = new EventQuery("move-01", null, "connected", 5);
      assertEquals(1, join(servers.get(node).events().query(connected)).size());
    }

    // asked on node 2, which never held it: both stays
    List<Event> history =
        join(servers.get(2).fleetApi().events(new EventQuery("move-01", null, null, 50)));
    assertNewestFirst(history);
    // (node 1 may have refused a first attempt while node 0's entry still said live: rejected)
    assertEquals(
        List.of("satisfied", "connected", "disconnected", "satisfied", "connected"),
        history.stream().map(Event::outcome).filter(o -> !o.equals("rejected")).toList());
    // Node 1's admission was written to a majority, which need not include node 2: its replica
    // learns the move by gossip, a moment later.
    Dto.AgentDetail detail =
        await()
            .atMost(WAIT)
            .until(
                () -> join(servers.get(2).fleetApi().agent("move-01")).orElseThrow(),
                d -> nodes.address(1).equals(d.agent().node()));
    assertEquals(null, detail.historyUnavailable());
    List<Event> recent = detail.recentEvents();
    assertEquals(history.subList(0, Math.min(history.size(), 20)), recent);
    assertEquals(2, recent.stream().filter(e -> e.outcome().equals("connected")).count());
  }
}

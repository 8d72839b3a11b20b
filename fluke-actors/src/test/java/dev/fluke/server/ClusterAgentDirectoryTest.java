package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.cluster.AgentLocation;
import dev.fluke.cluster.AgentLocations;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster-wide agent directory on three nodes over real Artery: an agent is registered once in
 * the cluster, moves when its session ended, is taken over (with a higher epoch) while its node is
 * cut off, and the cut-off node's stale session is fenced once it hears of it.
 */
class ClusterAgentDirectoryTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  private static ClusterEngines engines;
  private static ClusterNodes nodes;
  private static List<FlukeServer> servers;
  private static List<MemoryEventStore> stores;

  @BeforeAll
  static void start() {
    engines =
        ClusterEngines.start(
            tmp, 3, task("app", null, "shell:x", "role=web"), ClusterEngines.PARTITIONABLE);
    nodes = engines.nodes;
    servers = engines.servers;
    stores = engines.stores;
  }

  @AfterAll
  static void stop() {
    engines.close();
  }

  @BeforeEach
  void everyNodeReachable() {
    engines.awaitEveryNodeReachable();
  }

  private static TestAgent connect(int node) {
    return TestAgent.connect(servers.get(node).gateway(), nodes.node(node), "peer-of-node-" + node);
  }

  private static ServerMessage register(TestAgent agent, String name) {
    return register(agent, name, "");
  }

  private static ServerMessage register(TestAgent agent, String name, String resumeToken) {
    agent.send(
        new AgentMessage.Register(name, Map.of("role", "web"), "test-1", List.of("shell"))
            .resuming(resumeToken));
    return answer(agent);
  }

  /** The server's answer to the agent's Register (heartbeats skipped). */
  private static ServerMessage answer(TestAgent agent) {
    ServerMessage m = agent.next();
    while (m instanceof ServerMessage.Heartbeat) {
      m = agent.next();
    }
    return m;
  }

  private static List<Event> fenced(int node, String name) {
    return stores
        .get(node)
        .query(new EventQuery(name, null, "fenced", 0))
        .toCompletableFuture()
        .join();
  }

  /**
   * Node {@code node}'s replica of the agent directory has {@code name} admitted on {@code holder}.
   */
  private static boolean heldOn(int node, String name, int holder) {
    ActorSystem<Void> system = nodes.node(node);
    ActorRef<AgentLocations.Command> directory =
        Adapter.toTyped(
            Adapter.toClassic(system)
                .actorSelection("/system/fluke-cluster-agents")
                .resolveOne(Duration.ofSeconds(5))
                .toCompletableFuture()
                .join());
    AgentLocation l =
        AskPattern.<AgentLocations.Command, AgentLocations.Located>ask(
                directory,
                r -> new AgentLocations.Locate(name, r),
                Duration.ofSeconds(5),
                system.scheduler())
            .toCompletableFuture()
            .join()
            .location();
    return l != null && l.node().equals(nodes.address(holder));
  }

  /** Waits until every node lists {@code name} connected, held by node {@code holder}. */
  private static void everyNodeListsConnectedOn(String name, int holder) {
    for (int i = 0; i < 3; i++) {
      int from = i;
      await()
          .atMost(WAIT)
          .until(
              () ->
                  summary(from, name)
                      .map(s -> s.connected() && s.node().equals(nodes.address(holder)))
                      .orElse(false));
    }
  }

  private static Optional<Dto.AgentSummary> summary(int node, String name) {
    return servers.get(node).fleetApi().agents().toCompletableFuture().join().stream()
        .filter(a -> a.name().equals(name))
        .findFirst();
  }

  @Test
  void aSecondLiveAgentWithTheSameNameIsRefusedOnAnotherNode() {
    TestAgent first = connect(0);
    assertInstanceOf(ServerMessage.Registered.class, register(first, "dup-01"));
    TestAgent second = connect(1);
    ServerMessage.Rejected r =
        assertInstanceOf(ServerMessage.Rejected.class, register(second, "dup-01"));
    assertTrue(r.reason().contains("already connected to server node"), r.reason());
    assertTrue(r.reason().contains(nodes.address(0)), r.reason());
  }

  @Test
  void theHostOfALiveSessionMovesAtOnceWithItsTokenWhileAnotherHostWithoutItIsRefused() {
    // web-09's stream to node 0 is still open as node 0 sees it (a dead node, a half-open
    // connection: node 0 is never asked); the agent reconnects to node 1 with its session token.
    TestAgent before = connect(0);
    ServerMessage.Registered first =
        assertInstanceOf(ServerMessage.Registered.class, register(before, "web-09"));
    assertFalse(first.sessionToken().isEmpty());
    ServerMessage.Rejected impostor =
        assertInstanceOf(
            ServerMessage.Rejected.class, register(connect(2), "web-09", "a-guessed-token"));
    assertTrue(impostor.reason().contains("already connected"), impostor.reason());

    ServerMessage.Registered moved =
        assertInstanceOf(
            ServerMessage.Registered.class, register(connect(1), "web-09", first.sessionToken()));
    assertNotEquals(first.sessionToken(), moved.sessionToken(), "each session has its own");
    // node 0's session is stale: fenced once node 0 hears of the newer epoch
    await().atMost(WAIT).until(() -> !fenced(0, "web-09").isEmpty());
    everyNodeListsConnectedOn("web-09", 1);
    // the old token is spent: presenting it again no longer moves the agent off node 1 (once the
    // new entry has reached node 2's replica, which decides a presented token it knows without a
    // majority read: docs/cluster.md, "Session tokens")
    await().atMost(WAIT).until(() -> heldOn(2, "web-09", 1));
    ServerMessage.Rejected replay =
        assertInstanceOf(
            ServerMessage.Rejected.class, register(connect(2), "web-09", first.sessionToken()));
    assertTrue(replay.reason().contains(nodes.address(1)), replay.reason());
  }

  @Test
  void aBurstOfRegistrationsOnEveryNodeAtOnceIsAdmittedOnceEach() {
    // Sent before any answer is read: the directory batches them per shard (Admitting).
    List<TestAgent> agents = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      TestAgent a = connect(i % 3);
      a.send(
          new AgentMessage.Register(
              String.format("burst-%02d", i), Map.of("role", "web"), "test-1", List.of("shell")));
      agents.add(a);
    }
    for (TestAgent a : agents) {
      assertInstanceOf(ServerMessage.Registered.class, answer(a));
    }
    for (int i = 0; i < 3; i++) {
      int from = i;
      await()
          .atMost(WAIT)
          .until(
              () ->
                  servers.get(from).fleetApi().agents().toCompletableFuture().join().stream()
                          .filter(s -> s.name().startsWith("burst-") && s.connected())
                          .count()
                      == 90);
    }
  }

  @Test
  void anAgentWhoseSessionEndedRegistersOnAnotherNode() {
    TestAgent first = connect(0);
    assertInstanceOf(ServerMessage.Registered.class, register(first, "move-01"));
    first.in.sendComplete();
    await().atMost(WAIT).until(() -> summary(0, "move-01").map(s -> !s.connected()).orElse(false));

    await()
        .atMost(WAIT)
        .until(() -> register(connect(2), "move-01") instanceof ServerMessage.Registered);
    assertTrue(summary(2, "move-01").orElseThrow().connected());
  }

  @Test
  void anAgentOfACutOffNodeIsTakenOverAndTheStaleSessionIsFencedWhenTheNodeHearsOfIt() {
    TestAgent stale = connect(0);
    assertInstanceOf(ServerMessage.Registered.class, register(stale, "web-07"));

    nodes.isolate(0);
    try {
      await().atMost(WAIT).until(() -> nodes.unreachable(1, 0));
      // the agent reconnects to node 1: its old node cannot be asked, so a newer epoch is admitted
      assertInstanceOf(ServerMessage.Registered.class, register(connect(1), "web-07"));
      assertEquals(
          nodes.address(0), summary(0, "web-07").orElseThrow().node(), "node 0 has not heard yet");
      assertTrue(fenced(0, "web-07").isEmpty());
    } finally {
      nodes.heal(0);
    }
    // once node 0 hears of the newer registration, its session is stale and stops
    await().atMost(WAIT).until(() -> !fenced(0, "web-07").isEmpty());
    List<Event> fenced = fenced(0, "web-07");
    assertEquals(1, fenced.size(), fenced.toString());
    // and every node lists it once, connected, on node 1
    everyNodeListsConnectedOn("web-07", 1);
    assertTrue(fenced.get(0).message().contains(nodes.address(1)), fenced.get(0).message());
  }

  @Test
  void aNodeCutOffFromTheMajorityRefusesRegistrationsAtOnceSayingSo() {
    nodes.isolate(0);
    try {
      await().atMost(WAIT).until(() -> nodes.unreachable(0, 1) && nodes.unreachable(0, 2));
      ServerMessage answer = register(connect(0), "lonely-01");
      String reason = assertInstanceOf(ServerMessage.Rejected.class, answer).reason();
      assertTrue(
          reason.contains("reaches 1 of the cluster's 3 nodes, no majority")
              && reason.endsWith("retry another node"),
          reason);
      // the majority side admits it
      assertInstanceOf(ServerMessage.Registered.class, register(connect(1), "lonely-01"));
    } finally {
      nodes.heal(0);
    }
  }

  @Test
  void everyNodeListsTheWholeFleetWithTheNodeHoldingEachAgent() {
    for (int i = 0; i < 3; i++) {
      assertInstanceOf(ServerMessage.Registered.class, register(connect(i), "list-0" + i));
    }
    for (int from = 0; from < 3; from++) {
      Dto.Partial<List<Dto.AgentSummary>> answer =
          servers.get(from).fleetApi().agentsFromEveryNode().toCompletableFuture().join();
      assertTrue(answer.complete(), answer.missingNodes().toString());
      for (int i = 0; i < 3; i++) {
        String name = "list-0" + i;
        Dto.AgentSummary a =
            answer.value().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        assertTrue(a.connected());
        assertEquals(nodes.address(i), a.node());
      }
    }
    List<Dto.NodeInfo> infos = servers.get(1).fleetApi().nodes().toCompletableFuture().join();
    assertEquals(3, infos.size());
    assertEquals(1, infos.stream().filter(Dto.NodeInfo::leader).count());
    assertEquals(1, infos.stream().filter(Dto.NodeInfo::self).count());
    assertTrue(infos.stream().allMatch(n -> n.answered() && n.status().equals("up")));
    assertEquals(
        List.of(nodes.address(0)),
        infos.stream()
            .filter(n -> n.singletons().contains("fluke-git"))
            .map(Dto.NodeInfo::address)
            .toList(),
        "the Git singleton runs on the oldest node");
    assertTrue(infos.stream().allMatch(n -> n.agents() >= 1));
  }

  @Test
  void anAgentThatMovesWhileTheListWaitsForASilentNodeIsStillListed() {
    ServerMessage.Registered first =
        assertInstanceOf(ServerMessage.Registered.class, register(connect(2), "moving-01"));
    everyNodeListsConnectedOn("moving-01", 2);
    nodes.isolate(2);
    try {
      // node 2 is silent, not yet unreachable: node 0's list waits for it (the ask timeout) ...
      CompletableFuture<Dto.Partial<List<Dto.AgentSummary>>> listing =
          servers.get(0).fleetApi().agentsFromEveryNode().toCompletableFuture();
      // ... while its agent moves to node 0 with its session token, as after a crash
      assertInstanceOf(
          ServerMessage.Registered.class, register(connect(0), "moving-01", first.sessionToken()));
      Dto.Partial<List<Dto.AgentSummary>> answer = listing.join();
      assertEquals(List.of(nodes.address(2)), answer.missingNodes());
      Dto.AgentSummary moving =
          answer.value().stream()
              .filter(a -> a.name().equals("moving-01"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("moving-01 left out: " + answer.value()));
      // connected on node 0, or (had the list been answered before the move) unknown on node 2
      if (moving.connected()) {
        assertEquals(nodes.address(0), moving.node());
      } else {
        assertEquals(dev.fluke.api.CyclePhase.UNKNOWN, moving.cycle());
        assertEquals(nodes.address(2), moving.node());
      }
    } finally {
      nodes.heal(2);
    }
  }

  @Test
  void aNodeThatDoesNotAnswerIsNamedAndItsAgentsAreListedAsUnknown() {
    assertInstanceOf(ServerMessage.Registered.class, register(connect(2), "far-01"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                servers.get(0).fleetApi().agents().toCompletableFuture().join().stream()
                    .anyMatch(a -> a.name().equals("far-01")));
    nodes.isolate(2);
    try {
      await().atMost(WAIT).until(() -> nodes.unreachable(0, 2));
      Dto.Partial<List<Dto.AgentSummary>> answer =
          servers.get(0).fleetApi().agentsFromEveryNode().toCompletableFuture().join();
      assertEquals(List.of(nodes.address(2)), answer.missingNodes());
      Dto.AgentSummary far =
          answer.value().stream().filter(a -> a.name().equals("far-01")).findFirst().orElseThrow();
      assertEquals(dev.fluke.api.CyclePhase.UNKNOWN, far.cycle());
      assertEquals(nodes.address(2), far.node());
      Dto.NodeInfo two =
          servers.get(0).fleetApi().nodes().toCompletableFuture().join().stream()
              .filter(n -> n.address().equals(nodes.address(2)))
              .findFirst()
              .orElseThrow();
      assertTrue(!two.reachable() && !two.answered() && two.agents() == -1, two.toString());
    } finally {
      nodes.heal(2);
    }
  }
}

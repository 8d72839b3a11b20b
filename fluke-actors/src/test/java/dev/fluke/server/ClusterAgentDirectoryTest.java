package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.git.GitSource;
import dev.fluke.git.JGitSync;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import dev.fluke.testing.TestRepos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster-wide agent directory on three nodes over real Artery: an agent is registered once in
 * the cluster, moves when its session ended, is taken over (with a higher epoch) while its node is
 * cut off, and the cut-off node's stale session is fenced once it hears of it.
 */
class ClusterAgentDirectoryTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration HOUR = Duration.ofHours(1);

  @TempDir static Path tmp;
  private static ClusterNodes nodes;
  private static TestRepos.Repo repo;
  private static JGitSync git;
  private static final List<FlukeServer> servers = new ArrayList<>();
  private static final List<MemoryEventStore> stores = new ArrayList<>();

  @BeforeAll
  static void start() {
    TestRepos.isolateJGitConfig();
    repo = TestRepos.init(tmp.resolve("repo"));
    repo.commitFile("a.tasks", task("app", null, "shell:x", "role=web"), "c1");
    git = new JGitSync();
    // Test mode for the blackhole; the resolver waits long enough for a partition to heal.
    nodes =
        ClusterNodes.start(
            3,
            ConfigFactory.parseString(
                "pekko.remote.artery.advanced.test-mode = on\n"
                    + "pekko.cluster.split-brain-resolver.stable-after = 120s"));
    for (int i = 0; i < 3; i++) {
      ServerSettings settings =
          ServerSettings.create(nodes.node(i))
              .withDataDir(tmp.resolve("node" + i))
              .withGit(GitSource.of(repo.url(), "main"), HOUR, "**.tasks")
              .withAgents(new ServerSettings.Agents(HOUR, 3, 5, 16, HOUR, 100, WAIT));
      MemoryEventStore events = new MemoryEventStore(100, 100, 100);
      stores.add(events);
      servers.add(
          FlukeServer.start(nodes.node(i), settings, git, new LineManifestLoader(), events));
    }
  }

  @AfterAll
  static void stop() {
    nodes.close();
    git.close();
    repo.close();
  }

  private static TestAgent connect(int node) {
    return TestAgent.connect(servers.get(node).gateway(), nodes.node(node), "peer-of-node-" + node);
  }

  private static ServerMessage register(TestAgent agent, String name) {
    agent.send(new AgentMessage.Register(name, Map.of("role", "web"), "test-1", List.of("shell")));
    ServerMessage m = agent.next();
    while (m instanceof ServerMessage.Heartbeat) {
      m = agent.next();
    }
    return m;
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
      assertTrue(summary(0, "web-07").orElseThrow().connected(), "node 0 has not heard yet");
    } finally {
      nodes.heal(0);
    }
    // once node 0 hears of the newer registration, its session is stale and stops
    await().atMost(WAIT).until(() -> summary(0, "web-07").map(s -> !s.connected()).orElse(false));
    assertTrue(summary(1, "web-07").orElseThrow().connected());
    List<Event> fenced =
        stores
            .get(0)
            .query(new EventQuery("web-07", null, "fenced", 0))
            .toCompletableFuture()
            .join();
    assertEquals(1, fenced.size(), fenced.toString());
    assertTrue(fenced.get(0).message().contains(nodes.address(1)), fenced.get(0).message());
  }
}

package dev.fluke.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.exec.Outcome;
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
import java.util.function.IntFunction;

/**
 * The set-up the cluster tests share: full engines ({@link FlukeServer}) on the nodes of a {@link
 * ClusterNodes} (real Artery on loopback, one JVM), one real manifest repository with one tasks
 * file, an in-memory event store per node.
 */
final class ClusterEngines implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Duration HOUR = Duration.ofHours(1);

  /**
   * Artery's blackhole available, and a resolver that waits long enough for a partition to heal.
   */
  static final Config PARTITIONABLE =
      ConfigFactory.parseString(
          "pekko.remote.artery.advanced.test-mode = on\n"
              + "pekko.cluster.split-brain-resolver.stable-after = 120s");

  final ClusterNodes nodes;
  final TestRepos.Repo repo;

  /**
   * A fetch from the loopback repository that has not ended in 15 s is cut (JGit's transport
   * timeout; two minutes by default) and, like any failed fetch, retried a few seconds later.
   */
  final JGitSync git =
      new JGitSync(
          new JGitSync.Options(Duration.ofSeconds(15), JGitSync.HostKeyPolicy.ACCEPT_NEW, null));

  final List<FlukeServer> servers = new ArrayList<>();
  final List<MemoryEventStore> stores = new ArrayList<>();
  private final Path dir;

  /**
   * {@code n} nodes with {@code cluster} over their configuration and {@code tasks} as the
   * repository's {@code a.tasks}; no engine started yet ({@link #startServer}, {@link #startAll}).
   */
  private ClusterEngines(Path dir, int n, String tasks, Config cluster) {
    this.dir = dir;
    TestRepos.isolateJGitConfig();
    repo = TestRepos.init(dir.resolve("repo"));
    repo.commitFile("a.tasks", tasks, "c1");
    nodes = ClusterNodes.start(n, cluster);
  }

  /** {@code n} nodes, each with its engine started. */
  static ClusterEngines start(Path dir, int n, String tasks, Config cluster) {
    ClusterEngines engines = new ClusterEngines(dir, n, tasks, cluster);
    for (int i = 0; i < n; i++) {
      engines.startServer(i);
    }
    return engines;
  }

  /** Starts the engine of node {@code i} (the next one: {@code i == servers.size()}). */
  FlukeServer startServer(int i) {
    ServerSettings settings =
        ServerSettings.create(nodes.node(i))
            .withDataDir(dir.resolve("node" + i))
            .withGit(GitSource.of(repo.url(), "main"), HOUR, "**.tasks")
            .withAgents(new ServerSettings.Agents(HOUR, 3, 5, 16, HOUR, 100, WAIT));
    MemoryEventStore store = new MemoryEventStore(100, 100, 100);
    FlukeServer server =
        FlukeServer.start(nodes.node(i), settings, git, new LineManifestLoader(), store);
    stores.add(store);
    servers.add(server);
    return server;
  }

  /**
   * Node {@code i}'s engine has loaded the manifests: the first time, after the Git singleton
   * started on the cluster just formed, fetched and published the commit (on a loaded machine this
   * took over a minute once), so it gets twice the usual wait.
   */
  void awaitManifest(int i) {
    await()
        .atMost(WAIT.multipliedBy(2))
        .untilAsserted(
            () -> {
              Dto.ManifestStatus s =
                  servers.get(i).fleetApi().manifest().toCompletableFuture().join();
              assertNotNull(s.commit(), () -> "node " + i + "'s manifest status: " + s);
            });
  }

  /**
   * One agent per node, {@code web-i} (role web) on node {@code i}, each having answered its first
   * check of {@code app} with {@code outcome.apply(i)}.
   */
  List<TestAgent> oneAgentPerNode(IntFunction<Outcome> outcome) {
    List<TestAgent> agents = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      TestAgent a = TestAgent.connect(servers.get(i).gateway(), nodes.node(i), "peer-of-node-" + i);
      agents.add(a);
      awaitManifest(i);
      a.register("web-" + i, Map.of("role", "web"));
      a.reportCheck(a.expectCheck("app"), Map.of("app", outcome.apply(i)));
    }
    return agents;
  }

  /**
   * A new connection to node {@code node} from {@code peer} registering {@code name} (role web):
   * the agent when admitted, null when refused.
   */
  TestAgent registered(int node, String name, String peer) {
    TestAgent a = TestAgent.connect(servers.get(node).gateway(), nodes.node(node), peer);
    a.send(new AgentMessage.Register(name, Map.of("role", "web"), "test-1", List.of("shell")));
    ServerMessage m = a.next();
    while (m instanceof ServerMessage.Heartbeat) {
      m = a.next();
    }
    return m instanceof ServerMessage.Registered ? a : null;
  }

  /** Every node sees every other as reachable (after a test that cut one off). */
  void awaitEveryNodeReachable() {
    int n = servers.size();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                  if (i != j && nodes.unreachable(i, j)) {
                    return false;
                  }
                }
              }
              return true;
            });
  }

  @Override
  public void close() {
    nodes.close();
    git.close();
    repo.close();
  }
}

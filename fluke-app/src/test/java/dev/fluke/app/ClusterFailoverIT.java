package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.RedisServerProcess;
import dev.fluke.net.LoopbackPorts;
import dev.fluke.testing.TestRepos;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node lost while its agents apply, with real processes (issue 8, "Proof"): three real {@code
 * fluke server} processes forming a cluster on loopback with one shared, real {@code redis-server}
 * event store, and three real {@code fluke agent} processes whose {@code server_urls} name all
 * three nodes, so they fail over by themselves. The one task's apply waits until the test creates
 * RELEASE, so the applies are running when the node holding the most agents is lost: stopped with
 * SIGTERM (a rolling restart of all three nodes), killed with {@code kill -9}, or frozen with
 * {@code kill -STOP} (then thawed: it was downed and exits 3). Each lost node is started again
 * (same ports, same data dir) and waited for as an Up member of the three. At the end: every node
 * lists every agent once, connected, on the same node; one Git singleton; no failed step; every
 * apply ran once and was recorded once in the shared store, and the applies whose node was lost
 * while they ran came back to another node as one late result each. Everything started is stopped
 * by pid.
 */
class ClusterFailoverIT {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final List<String> AGENTS = List.of("web-a", "web-b", "web-c");
  private static final String TASK = "slow";

  @TempDir Path tmp;
  private TestRepos.Repo repo;
  private RedisServerProcess redis;
  private final List<Process> servers = new ArrayList<>();
  private final List<int[]> ports = new ArrayList<>(); // grpc, http, cluster
  private final Map<String, Process> agents = new LinkedHashMap<>();
  private final Map<Integer, Integer> starts = new HashMap<>(); // node → times started

  @BeforeEach
  void start() throws Exception {
    TestRepos.isolateJGitConfig();
    redis = RedisServerProcess.start(Files.createDirectories(tmp.resolve("redis")));
    repo = TestRepos.init(tmp.resolve("manifests"));
    repo.write(
        "slow.fluke.hcl",
        """
        task "slow" {
          selector { match_labels = { role = "web" } }
          shell "upgrade" {
            check   = "test -f \\"$FLUKE_IT_HOST/COUNT\\""
            command = "cd \\"$FLUKE_IT_HOST\\"; echo start >> MARKERS; while [ ! -f %s ]; do sleep 0.2; done; echo end >> MARKERS; echo done > COUNT"
          }
        }
        """
            .formatted(release()));
    repo.commit("the slow task");
    int[] free = LoopbackPorts.free(9);
    for (int i = 0; i < 3; i++) {
      ports.add(new int[] {free[3 * i], free[3 * i + 1], free[3 * i + 2]});
    }
    for (int i = 0; i < 3; i++) {
      servers.add(startServer(i));
    }
    awaitThreeUp();
  }

  @AfterEach
  void stop() throws Exception {
    for (Process a : agents.values()) {
      a.destroyForcibly();
      a.waitFor(30, TimeUnit.SECONDS);
    }
    for (Process p : servers) {
      if (p != null) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    if (redis != null) {
      redis.close();
    }
    if (repo != null) {
      repo.close();
    }
  }

  @Test
  void aRollingRestartKeepsEveryAgentOnceOneSingletonAndReportsTheRunningApplyOnce()
      throws Exception {
    // The node holding the most agents goes first: its agents' applies are running.
    Lost first = loseTheBusiestNodeWhileItsAgentsApply(this::stopWithSigterm);
    assertTrue(!first.moved().isEmpty(), "the first node held an agent");
    restart(first.node());
    // The other two nodes, one at a time.
    for (int n = 1; n < 3; n++) {
      int node = (first.node() + n) % 3;
      stopWithSigterm(node);
      restart(node);
    }
    everyAgentOnceOneSingletonEachApplyOnce(first.moved());
  }

  @Test
  void aNodeKilledWhileItsAgentsApplyLosesNothingAndTheSingletonMoves() throws Exception {
    Lost lost = loseTheBusiestNodeWhileItsAgentsApply(node -> servers.get(node).destroyForcibly());
    assertTrue(servers.get(lost.node()).waitFor(30, TimeUnit.SECONDS));
    int other = (lost.node() + 1) % 3;
    await(
        "the manifest comes from the Git singleton on a surviving node",
        WAIT,
        () -> client(other).manifest().value().fetchError() == null,
        () -> client(other).manifest().value());
    restart(lost.node());
    everyAgentOnceOneSingletonEachApplyOnce(lost.moved());
  }

  @Test
  void aFrozenNodeIsDownedItsAgentsApplyReachAnotherNodeOnceAndThawedItExits3() throws Exception {
    Lost lost = loseTheBusiestNodeWhileItsAgentsApply(node -> signal("-STOP", servers.get(node)));
    Process frozen = servers.get(lost.node());
    int other = (lost.node() + 1) % 3;
    await(
        "node " + lost.node() + " downed and removed",
        WAIT,
        () -> members(other).size() == 2,
        () -> members(other));
    signal("-CONT", frozen);
    assertTrue(frozen.waitFor(90, TimeUnit.SECONDS), "thawed, it exits: " + serverLog(lost.node()));
    assertEquals(3, frozen.exitValue(), "downed: exit 3, for Restart=on-failure");
    restart(lost.node());
    everyAgentOnceOneSingletonEachApplyOnce(lost.moved());
  }

  /** How a node is lost. */
  private interface NodeLoss {
    void lose(int node) throws Exception;
  }

  /** The node lost while its agents applied, and those agents. */
  private record Lost(int node, Set<String> moved) {}

  /**
   * Starts the agents, waits until every apply runs, loses the node holding the most agents by
   * {@code lose}, waits until its agents registered elsewhere by themselves, lets the applies end
   * and waits until each moved agent's result reached its new node as one late result.
   */
  private Lost loseTheBusiestNodeWhileItsAgentsApply(NodeLoss lose) throws Exception {
    for (String name : AGENTS) {
      startAgent(name);
    }
    awaitFleetEverywhere();
    await(
        "every agent's apply runs",
        WAIT,
        () -> AGENTS.stream().allMatch(a -> markers(a).equals(List.of("start"))),
        () -> AGENTS.stream().collect(Collectors.toMap(a -> a, this::markers)));
    Map<String, Integer> before = holders(0);
    int lost = mostAgents(before);
    Set<String> moved =
        before.entrySet().stream()
            .filter(e -> e.getValue() == lost)
            .map(Map.Entry::getKey)
            .collect(Collectors.toCollection(TreeSet::new));

    lose.lose(lost);
    int other = (lost + 1) % 3;
    await(
        "the agents of node " + lost + " " + moved + " registered on another node",
        WAIT,
        () -> {
          Map<String, Integer> now = holdersOf(other, lost);
          return now.keySet().containsAll(AGENTS)
              && moved.stream().allMatch(a -> now.get(a) != lost);
        },
        () -> client(other).agents().value());
    Files.writeString(release(), ""); // the applies end now, on the agents
    await(
        "every apply ended",
        WAIT,
        () -> AGENTS.stream().allMatch(a -> markers(a).equals(List.of("start", "end"))),
        () -> AGENTS.stream().collect(Collectors.toMap(a -> a, this::markers)));
    for (String a : moved) {
      await(
          "the late result of " + a + " is recorded",
          WAIT,
          () -> lateApplies(other, a).size() == 1,
          () -> events(other, a));
    }
    return new Lost(lost, moved);
  }

  private static void signal(String signal, Process p) {
    try {
      new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every node lists every agent once, connected, on the same node; one Git singleton; for every
   * agent its task satisfied, no failed step, one apply result recorded, a late one for those in
   * {@code moved}, and the apply ran once on the host.
   */
  private void everyAgentOnceOneSingletonEachApplyOnce(Set<String> moved) {
    Map<String, Integer> after = awaitFleetEverywhere();
    for (int i = 0; i < 3; i++) {
      assertEquals(after, holders(i), "node " + i + " agrees on where the agents are");
      assertEquals(1, singletonHolders(i), "one Git singleton, seen from node " + i);
    }
    for (String a : AGENTS) {
      int node = after.get(a);
      await(
          a + "/" + TASK + " is satisfied on node " + node,
          WAIT,
          () ->
              client(node).agent(a).value().tasks().stream()
                  .anyMatch(t -> t.task().equals(TASK) && t.status().word().equals("satisfied")),
          () -> client(node).agent(a).value());
      List<Event> events = events(0, a);
      assertEquals(
          List.of(),
          events.stream()
              .filter(e -> e.outcome().equals("failed") || e.outcome().equals("error"))
              .toList(),
          "no failed step for " + a);
      assertEquals(
          1,
          events.stream()
              .filter(e -> e.kind().equals("apply") && e.outcome().equals("applied"))
              .count(),
          "one apply result recorded for " + a + ": " + events);
      assertEquals(moved.contains(a) ? 1 : 0, lateApplies(0, a).size(), "late results of " + a);
      assertEquals(List.of("start", "end"), markers(a), "applied once on " + a);
    }
  }

  // ---- what the nodes say ----

  /** Waits until every node lists every agent once, connected, on the same node; returns where. */
  private Map<String, Integer> awaitFleetEverywhere() {
    Map<String, Integer> seen = new HashMap<>();
    await(
        "every node lists " + AGENTS + " once each, connected, on the same node",
        WAIT,
        () -> {
          Map<String, Integer> zero = holders(0);
          if (!zero.keySet().equals(Set.copyOf(AGENTS))) {
            return false;
          }
          for (int i = 1; i < 3; i++) {
            if (!holders(i).equals(zero)) {
              return false;
            }
          }
          seen.clear();
          seen.putAll(zero);
          return true;
        },
        () -> List.of(holdersOrError(0), holdersOrError(1), holdersOrError(2)));
    return Map.copyOf(seen);
  }

  /**
   * The node (index) holding each connected agent in {@code node}'s answer; fails if an agent is
   * listed twice, a node did not answer, or an agent is not connected.
   */
  private Map<String, Integer> holders(int node) {
    return holdersOf(node, -1);
  }

  /**
   * As {@link #holders(int)}, while node {@code lost} (-1: none) may be missing from the answer and
   * its agents shown disconnected (they are left out).
   */
  private Map<String, Integer> holdersOf(int node, int lost) {
    ApiClient.Filtered answer = client(node).agents(null);
    Set<String> missing = Set.copyOf(answer.missingNodes());
    if (!missing.isEmpty() && (lost < 0 || !missing.equals(Set.of(address(lost))))) {
      throw new IllegalStateException("missing nodes " + answer.missingNodes());
    }
    Map<String, Integer> where = new HashMap<>();
    for (Dto.AgentSummary a : answer.matching().value()) {
      if (!a.connected()) {
        if (lost >= 0) {
          continue;
        }
        throw new IllegalStateException(a.name() + " not connected: " + a);
      }
      if (where.put(a.name(), index(a.node())) != null) {
        throw new IllegalStateException(a.name() + " listed twice: " + answer.matching().value());
      }
    }
    return where;
  }

  private Object holdersOrError(int node) {
    try {
      return holders(node);
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }

  private String address(int node) {
    return "pekko://fluke-server@127.0.0.1:" + ports.get(node)[2];
  }

  private int index(String address) {
    for (int i = 0; i < 3; i++) {
      if (address.equals("pekko://fluke-server@127.0.0.1:" + ports.get(i)[2])) {
        return i;
      }
    }
    throw new IllegalStateException("unknown node " + address);
  }

  private static int mostAgents(Map<String, Integer> holders) {
    Map<Integer, Long> counts =
        holders.values().stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
  }

  private List<Dto.NodeInfo> members(int node) {
    return client(node).nodes().value();
  }

  private long singletonHolders(int node) {
    return members(node).stream().filter(n -> !n.singletons().isEmpty()).count();
  }

  private void awaitThreeUp() {
    for (int i = 0; i < 3; i++) {
      int node = i;
      await(
          "node " + i + " sees three Up members",
          WAIT,
          () -> {
            List<Dto.NodeInfo> m = members(node);
            return m.size() == 3 && m.stream().allMatch(n -> n.status().equals("up"));
          },
          () -> members(node) + "\n" + lastLines());
    }
  }

  /** Events of {@code agent}'s task in the shared store, as node {@code node} reads them. */
  private List<Event> events(int node, String agent) {
    return client(node).events(new EventQuery(agent, TASK, null, 500)).value();
  }

  private List<Event> lateApplies(int node, String agent) {
    return events(node, agent).stream()
        .filter(e -> e.kind().equals("apply") && e.message().startsWith("late"))
        .toList();
  }

  private ApiClient client(int node) {
    return new ApiClient("http://127.0.0.1:" + ports.get(node)[1], null, Duration.ofSeconds(10));
  }

  /** The end of every node's log: a node that did not join says why in its own. */
  private String lastLines() {
    StringBuilder b = new StringBuilder();
    for (int node = 0; node < servers.size(); node++) {
      List<String> lines = serverLog(node).lines().toList();
      b.append("--- node ").append(node).append(", last lines of its log:\n");
      lines
          .subList(Math.max(0, lines.size() - 40), lines.size())
          .forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }

  private String serverLog(int node) {
    return Fleet.read(tmp.resolve("server-" + node + "-" + starts.get(node) + ".log"));
  }

  private List<String> markers(String agent) {
    Path f = host(agent).resolve("MARKERS");
    try {
      return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      return List.of(e.toString());
    }
  }

  // ---- starting and stopping things ----

  private Path release() {
    return tmp.resolve("RELEASE");
  }

  private Path host(String agent) {
    return tmp.resolve("host-" + agent);
  }

  /**
   * SIGTERM (Process.destroy): the node leaves and exits as a clean stop, 143 (the JVM's status
   * after SIGTERM, {@code SuccessExitStatus=143} in the systemd unit), not 3 (downed).
   */
  private void stopWithSigterm(int node) throws InterruptedException {
    Process p = servers.get(node);
    p.destroy();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "node " + node + " exits: " + serverLog(node));
    assertTrue(
        Set.of(0, 143).contains(p.exitValue()),
        "a node that leaves stops cleanly, exit " + p.exitValue() + ": " + serverLog(node));
    servers.set(node, null);
  }

  private void restart(int node) throws IOException {
    servers.set(node, startServer(node));
    awaitThreeUp();
    awaitFleetEverywhere();
  }

  private Process startServer(int node) throws IOException {
    int[] p = ports.get(node);
    starts.merge(node, 1, Integer::sum);
    Path config = tmp.resolve("server-" + node + ".hcl");
    Files.writeString(
        config,
        """
        server {
          listen_grpc  = "127.0.0.1:%d"
          listen_http  = "127.0.0.1:%d"
          agent_tokens = ["%s"]
          data_dir     = "%s"
          tls { enabled = false }
          git {
            url           = "%s"
            poll_interval = "2s"
          }
          event_store {
            backend = "redis"
            redis { url = "%s"  prefix = "rolling" }
          }
          cluster {
            listen = "127.0.0.1:%d"
            seeds  = ["127.0.0.1:%d", "127.0.0.1:%d", "127.0.0.1:%d"]
          }
        }
        """
            .formatted(
                p[0],
                p[1],
                Fleet.AGENT_TOKEN,
                tmp.resolve("data-" + node),
                repo.url(),
                redis.url(),
                p[2],
                ports.get(0)[2],
                ports.get(1)[2],
                ports.get(2)[2]));
    return javaMain(
        List.of(
            "-Xmx384m",
            "-Dfluke.server.agents.heartbeat-interval=1s",
            "-Dfluke.server.reconcile.retry-backoff-min=1s"),
        List.of("server", "--config", config.toString()),
        tmp.resolve("server-" + node + "-" + starts.get(node) + ".log"),
        Map.of());
  }

  private void startAgent(String name) throws IOException {
    Files.createDirectories(host(name));
    String urls =
        ports.stream()
            .map(p -> "\"grpc://127.0.0.1:" + p[0] + "\"")
            .collect(Collectors.joining(", "));
    Path config = tmp.resolve("agent-" + name + ".hcl");
    Files.writeString(
        config,
        """
        agent {
          server_urls = [%s]
          token       = "%s"
          name        = "%s"
          labels      = { role = "web" }
          state_dir   = "%s"
        }
        """
            .formatted(urls, Fleet.AGENT_TOKEN, name, tmp.resolve("agent-state-" + name)));
    agents.put(
        name,
        javaMain(
            List.of(
                "-Xmx128m",
                "-Dfluke.agent.reconnect.min-backoff=200ms",
                "-Dfluke.agent.reconnect.max-backoff=1s",
                "-Dfluke.agent.silent-server-intervals=3"),
            List.of("agent", "--config", config.toString()),
            tmp.resolve("agent-" + name + ".log"),
            Map.of("FLUKE_IT_HOST", host(name).toString())));
  }

  /** A child JVM running the fluke binary's Main with this test's class path. */
  private Process javaMain(List<String> jvm, List<String> args, Path log, Map<String, String> env)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvm);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.fluke.app.Main");
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    pb.environment().putAll(env);
    return pb.start();
  }
}

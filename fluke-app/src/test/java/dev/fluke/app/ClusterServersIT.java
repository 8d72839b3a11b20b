package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import dev.fluke.config.AgentConfig;
import dev.fluke.config.ConfigLoader;
import dev.fluke.testing.TestRepos;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@code fluke server} processes (child JVMs running the fluke binary's Main) forming a
 * cluster on loopback, with real agents (in this JVM) connected to them: a node killed with {@code
 * kill -9} and a node frozen with {@code kill -STOP}. Each test asserts that at the end every agent
 * is registered exactly once, that the full list comes from every remaining node, and that one node
 * runs the Git singleton. Everything started is stopped by pid.
 */
class ClusterServersIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path tmp;
  private TestRepos.Repo repo;
  private final List<Process> servers = new ArrayList<>();
  private final List<int[]> ports = new ArrayList<>(); // grpc, http, cluster
  private final Map<String, AgentNode> agents = new HashMap<>();

  @BeforeEach
  void start() throws IOException {
    TestRepos.isolateJGitConfig();
    repo = TestRepos.init(tmp.resolve("manifests"));
    repo.write(
        "hello.fluke.hcl",
        """
        task "hello" {
          selector { match_labels = { role = "web" } }
          shell "ok" {
            check   = "true"
            command = "true"
          }
        }
        """);
    repo.commit("first manifests");
    for (int i = 0; i < 3; i++) {
      ports.add(new int[] {freePort(), freePort(), freePort()});
    }
    for (int i = 0; i < 3; i++) {
      servers.add(startServer(i));
    }
    for (int i = 0; i < 3; i++) {
      int node = i;
      await(
          "node " + i + " sees three Up members",
          WAIT,
          () -> upMembers(node) == 3,
          () -> serverLog(node));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AgentNode a : agents.values()) {
      a.close();
    }
    for (Process p : servers) {
      // a frozen node must be thawed to be stopped
      new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    if (repo != null) {
      repo.close();
    }
  }

  @Test
  void aNodeKilledWithKill9LosesNoAgentAndTheSingletonMoves() throws Exception {
    for (int i = 0; i < 3; i++) {
      startAgent("web-0" + i, i);
    }
    for (int i = 0; i < 3; i++) {
      awaitFleet(i, Set.of(0, 1, 2), Map.of("web-00", 0, "web-01", 1, "web-02", 2));
    }
    assertEquals(1, singletonHolders(1), "one Git singleton");

    servers.get(0).destroyForcibly(); // kill -9 of the oldest node, which runs the singleton
    assertTrue(servers.get(0).waitFor(30, TimeUnit.SECONDS));
    // web-00's agent fails over to node 1 (the agent side's server_urls does this by itself)
    agents.remove("web-00").close();
    startAgent("web-00", 1);

    for (int i = 1; i < 3; i++) {
      int node = i;
      await(
          "node " + i + " sees node 0 removed",
          WAIT,
          () -> members(node).size() == 2 && upMembers(node) == 2,
          () -> members(node));
      awaitFleet(i, Set.of(1, 2), Map.of("web-00", 1, "web-01", 1, "web-02", 2));
    }
    await("one singleton among the rest", WAIT, () -> singletonHolders(2) == 1, () -> members(2));
    await(
        "the manifest comes from the new singleton",
        WAIT,
        () -> client(2).manifest().value().fetchError() == null,
        () -> client(2).manifest().value());
    assertNull(client(1).manifest().value().fetchError());
  }

  @Test
  void aFrozenNodeIsDownedItsAgentIsTakenOverAndWhenThawedItExitsToBeRestarted() throws Exception {
    for (int i = 0; i < 3; i++) {
      startAgent("web-1" + i, i);
    }
    awaitFleet(0, Set.of(0, 1, 2), Map.of("web-10", 0, "web-11", 1, "web-12", 2));

    Process frozen = servers.get(2);
    new ProcessBuilder("kill", "-STOP", Long.toString(frozen.pid())).start().waitFor();
    // its agent's stream is silent now: the agent moves to node 1
    agents.remove("web-12").close();
    startAgent("web-12", 1);
    for (int i = 0; i < 2; i++) {
      int node = i;
      await(
          "node " + i + " sees node 2 downed and removed",
          WAIT,
          () -> members(node).size() == 2,
          () -> members(node));
      awaitFleet(i, Set.of(0, 1), Map.of("web-10", 0, "web-11", 1, "web-12", 1));
    }

    new ProcessBuilder("kill", "-CONT", Long.toString(frozen.pid())).start().waitFor();
    assertTrue(frozen.waitFor(90, TimeUnit.SECONDS), "the thawed node exits: " + serverLog(2));
    assertEquals(3, frozen.exitValue(), "downed: exit 3 for Restart=on-failure");
    awaitFleet(0, Set.of(0, 1), Map.of("web-10", 0, "web-11", 1, "web-12", 1));
    assertEquals(1, singletonHolders(0));
  }

  // ---- what the nodes say ----

  /**
   * Waits until {@code node}'s fleet list is complete and holds exactly {@code expected} (agent →
   * index of its node), every agent connected, once.
   */
  private void awaitFleet(int node, Set<Integer> alive, Map<String, Integer> expected) {
    Map<String, String> want =
        expected.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> address(e.getValue())));
    await(
        "node " + node + " lists " + want,
        WAIT,
        () -> {
          List<Dto.AgentSummary> all = client(node).agents().value();
          Map<String, String> seen = new HashMap<>();
          for (Dto.AgentSummary a : all) {
            if (!a.connected() || seen.put(a.name(), a.node()) != null) {
              return false;
            }
          }
          return seen.equals(want);
        },
        () -> client(node).agents().value());
  }

  private List<Dto.NodeInfo> members(int node) {
    return client(node).nodes().value();
  }

  private long upMembers(int node) {
    return members(node).stream().filter(n -> n.status().equals("up")).count();
  }

  private long singletonHolders(int node) {
    return members(node).stream().filter(n -> !n.singletons().isEmpty()).count();
  }

  private ApiClient client(int node) {
    return new ApiClient("http://127.0.0.1:" + ports.get(node)[1], null, Duration.ofSeconds(10));
  }

  private String address(int node) {
    return "pekko://fluke-server@127.0.0.1:" + ports.get(node)[2];
  }

  private String serverLog(int node) {
    return Fleet.read(tmp.resolve("server-" + node + ".log"));
  }

  // ---- starting things ----

  private Process startServer(int node) throws IOException {
    int[] p = ports.get(node);
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
                p[2],
                ports.get(0)[2],
                ports.get(1)[2],
                ports.get(2)[2]));
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx384m",
                "-Dfluke.server.agents.heartbeat-interval=1s",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fluke.app.Main",
                "server",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("server-" + node + ".log").toFile());
    pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    return pb.start();
  }

  private void startAgent(String name, int node) {
    String hcl =
        """
        agent {
          server_url = "grpc://127.0.0.1:%d"
          token      = "%s"
          name       = "%s"
          labels     = { role = "web" }
          state_dir  = "%s"
          stop_grace = "1s"
        }
        """
            .formatted(ports.get(node)[0], Fleet.AGENT_TOKEN, name, tmp.resolve("agent-" + name));
    AgentConfig config;
    try {
      config = new ConfigLoader().parseAgent("agent.hcl", hcl, Map.of());
    } catch (dev.fluke.config.ConfigException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    agents.put(name, AgentNode.start(config, Map.of(), Fleet.PEKKO));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

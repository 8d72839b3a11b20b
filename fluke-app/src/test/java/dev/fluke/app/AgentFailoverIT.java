package dev.fluke.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.net.LoopbackPorts;
import dev.fluke.testing.TestRepos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent failover (docs/protocol.md, "Failover") with real parts: three single-node servers in this
 * JVM sharing one manifest repo, each behind a {@link FreezableProxy}, and a real {@code fluke
 * agent} (a child JVM running the fluke binary's Main) with {@code server_urls} naming the three
 * proxies. The servers tell the agent to heartbeat every second ({@code Fleet.PEKKO}); the agent
 * drops a server that stays silent for 3 intervals. The one task's apply waits until the test
 * creates RELEASE and counts completed applies in COUNT; its check wants one. Outcomes come from
 * the servers' APIs, the task's files and the agent's log.
 */
class AgentFailoverIT {
  private static final String AGENT = "host-01";

  /**
   * How long re-homing may take: the silence bound (3 × 1s), a reconnect backoff (≤ 1s) and a
   * registration, with room for a loaded machine; well below what HTTP/2 keepalive (30s + 20s)
   * would need to notice a frozen server.
   */
  private static final Duration REHOMED = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private TestRepos.Repo repo;
  private final List<Server> servers = new ArrayList<>();
  private Process agent;

  /** One server, the proxy in front of it, and its API. */
  private record Server(ServerNode node, FreezableProxy proxy, ApiClient api) {
    String url() {
      return "grpc://127.0.0.1:" + proxy.port();
    }
  }

  @BeforeEach
  void startServers() throws IOException {
    Files.createDirectories(host());
    repo = TestRepos.init(tmp.resolve("manifests"));
    String dir = host().toString();
    repo.write(
        "slow.fluke.hcl",
        """
        task "slow" {
          selector { match_labels = { role = "web" } }
          shell "upgrade" {
            check   = "test -f %1$s/COUNT"
            command = "cd %1$s; echo start >> MARKERS; while [ ! -f RELEASE ]; do sleep 0.2; done; echo end >> MARKERS; echo done > COUNT"
          }
        }
        """
            .formatted(dir));
    repo.commit("the slow task");
    for (int i = 0; i < 3; i++) {
      int[] free = LoopbackPorts.free(2);
      int grpc = free[0];
      int http = free[1];
      ServerNode node =
          ServerNode.start(
              ServerNode.loopbackConfig(
                  tmp.resolve("server-" + i),
                  repo.dir(),
                  grpc,
                  http,
                  Fleet.AGENT_TOKEN,
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(2),
                  1000),
              Fleet.PEKKO);
      servers.add(
          new Server(
              node,
              new FreezableProxy(grpc),
              new ApiClient("http://127.0.0.1:" + http, null, Duration.ofSeconds(5))));
    }
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (agent != null) {
      agent.destroyForcibly();
      agent.waitFor(30, TimeUnit.SECONDS);
    }
    for (Server s : servers) {
      s.proxy().close(); // resumes a frozen one first
      if (s.node() != null) {
        s.node().close();
      }
    }
    if (repo != null) {
      repo.close();
    }
  }

  @Test
  void whenItsServerStopsTheAgentMovesOnIsCycledThereAndItsRunningApplyIsReportedOnce()
      throws Exception {
    startAgent();
    Server first = awaitConnectedTo(Optional.empty());
    awaitMarkers(List.of("start")); // the first server's apply runs

    stop(first);
    Server second = awaitConnectedTo(Optional.of(first));
    // A server that stops ends its agents' streams itself, once the acknowledgements it owes are
    // out
    // (not a connection lost under the agent).
    assertTrue(
        agentLog().contains(first.url() + " ended the connection"),
        "the stopping server ended the agent's stream:\n" + agentLog());
    release();

    awaitMarkers(List.of("start", "end"));
    await("the apply's late result reaches " + second.url())
        .atMost(Duration.ofSeconds(60))
        .until(() -> lateApplies(second).size() == 1);
    awaitStatus(second, "satisfied"); // cycled on the new server
    assertEquals(1, lateApplies(second).size(), events(second).toString());
    assertTrue(
        agentLog().contains("Connected: registered with " + second.url()),
        "the agent logs where it is connected:\n" + agentLog());

    // Acknowledged there, so forgotten: the next server never hears of it again.
    stop(second);
    Server third = awaitConnectedTo(Optional.of(second));
    awaitStatus(third, "satisfied");
    assertEquals(List.of(), lateApplies(third), "reported once, not again");
    assertEquals(List.of("start", "end"), markers(), "applied once");
  }

  @Test
  void aFrozenServerIsDroppedOnceItStaysSilentAndTheAgentIsCycledOnAnother() throws Exception {
    release(); // applies end at once here
    startAgent();
    Server first = awaitConnectedTo(Optional.empty());
    awaitStatus(first, "satisfied");

    first.proxy().freeze(); // as kill -STOP: the connection stays open, nothing answers

    Server second = awaitConnectedTo(Optional.of(first));
    assertTrue(
        agentLog()
            .contains(
                "Dropped the connection to "
                    + first.url()
                    + ": the server sent nothing for 3s (3 heartbeat intervals)"),
        agentLog());
    // Cycled there: a manual reconcile on the new server is served by this agent.
    long request = second.api().reconcile(Dto.ReconcileTarget.agent(AGENT)).value().requestId();
    await("the new server's reconcile is served")
        .atMost(Duration.ofSeconds(60))
        .until(() -> second.api().agent(AGENT).value().agent().manualServed() >= request);
    awaitStatus(second, "satisfied");
    assertEquals(List.of("start", "end"), markers());
  }

  // ---- the parts ----

  private Path host() {
    return tmp.resolve("host");
  }

  private void startAgent() throws IOException {
    Path config = tmp.resolve("agent.hcl");
    String urls =
        servers.stream().map(s -> "\"" + s.url() + "\"").collect(Collectors.joining(", "));
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
            .formatted(urls, Fleet.AGENT_TOKEN, AGENT, tmp.resolve("agent-state")));
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dfluke.agent.reconnect.min-backoff=200ms",
                "-Dfluke.agent.reconnect.max-backoff=1s",
                "-Dfluke.agent.silent-server-intervals=3",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fluke.app.Main",
                "agent",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("agent.log").toFile());
    pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    agent = pb.start();
  }

  private void stop(Server s) {
    int i = servers.indexOf(s);
    s.node().close();
    servers.set(i, new Server(null, s.proxy(), s.api()));
  }

  /** Waits until one server other than {@code not} has the agent connected; returns it. */
  private Server awaitConnectedTo(Optional<Server> not) {
    List<Server> others =
        servers.stream()
            .filter(s -> s.node() != null && not.map(n -> !n.url().equals(s.url())).orElse(true))
            .toList();
    await(AGENT + " connected to one of " + others.stream().map(Server::url).toList())
        .atMost(not.isPresent() ? REHOMED : Duration.ofSeconds(60))
        .until(() -> others.stream().anyMatch(this::connected));
    return others.stream().filter(this::connected).findFirst().orElseThrow();
  }

  private boolean connected(Server s) {
    try {
      return s.api().agents().value().stream()
          .anyMatch(a -> a.name().equals(AGENT) && a.connected());
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void awaitStatus(Server s, String status) {
    await(AGENT + "/slow is " + status + " on " + s.url())
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                s.api().agent(AGENT).value().tasks().stream()
                    .anyMatch(t -> t.task().equals("slow") && t.status().word().equals(status)));
  }

  private void awaitMarkers(List<String> expected) {
    await("MARKERS reads " + expected)
        .atMost(Duration.ofSeconds(60))
        .until(() -> markers().equals(expected));
  }

  private void release() throws IOException {
    Files.writeString(host().resolve("RELEASE"), "");
  }

  private List<String> markers() throws IOException {
    Path f = host().resolve("MARKERS");
    return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
  }

  private static List<Event> events(Server s) {
    return s.api().events(new EventQuery(AGENT, "slow", null, 500)).value();
  }

  /** Apply results that came late (their apply started on an earlier connection). */
  private static List<Event> lateApplies(Server s) {
    return events(s).stream()
        .filter(e -> e.kind().equals("apply") && e.message().startsWith("late"))
        .toList();
  }

  private String agentLog() {
    return Fleet.read(tmp.resolve("agent.log"));
  }
}

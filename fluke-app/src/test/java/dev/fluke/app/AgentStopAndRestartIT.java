package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §4 with real processes: a real server (in this JVM, restartable on the same ports) and real
 * {@code fluke agent} processes (child JVMs running the fluke binary's Main on agent.hcl, sharing
 * one state_dir as a restarted agent does). The task's apply is a shell script that records, in
 * files, each apply's start and end, flags OVERLAP if it starts while another apply's shell still
 * runs (a zombie waiting for init to reap it runs nothing: this machine's init reaps orphans only
 * every second or two), waits (in a child process) until the test creates RELEASE, and counts
 * completed applies; the check wants a given count. Outcomes are asserted from those files, the
 * agents' logs, the agent's journal and the server's events, never from timings.
 */
class AgentStopAndRestartIT {
  private static final String TOKEN = Fleet.AGENT_TOKEN;
  private static final String AGENT = "host-01";

  @TempDir Path tmp;
  private TestRepos.Repo repo;
  private ServerNode server;
  private ApiClient api;
  private int grpcPort;
  private int httpPort;
  private final List<Process> agents = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : agents) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    // Whatever an apply left running (the test kills orphans only when the agent is meant to).
    for (String file : List.of("RUNNING", "SLEEPS")) {
      for (long pid : pids(file)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    if (server != null) {
      server.close();
    }
    if (repo != null) {
      repo.close();
    }
  }

  private Path host() {
    return tmp.resolve("host");
  }

  /**
   * The manifest: one task whose apply waits for RELEASE (in a child process whose pid goes to
   * SLEEPS) and whose check wants {@code applies} completed applies.
   */
  private void startServer(int applies) throws IOException {
    Files.createDirectories(host());
    repo = TestRepos.init(tmp.resolve("manifests"));
    String dir = host().toString();
    repo.write(
        "slow.fluke.hcl",
        """
        task "slow" {
          selector { match_labels = { role = "web" } }
          shell "upgrade" {
            check   = "test \\"$(cat %1$s/COUNT 2>/dev/null || echo 0)\\" -ge %2$d"
            command = "cd %1$s; st=$(cut -d' ' -f3 /proc/$(cat RUNNING 2>/dev/null || echo none)/stat 2>/dev/null); if [ -n \\"$st\\" ] && [ \\"$st\\" != Z ]; then echo OVERLAP >> MARKERS; fi; echo $$ > RUNNING; echo start >> MARKERS; (while [ ! -f RELEASE ]; do sleep 0.2; done) & echo $! >> SLEEPS; wait $!; echo end >> MARKERS; rm -f RUNNING; echo $(( $(cat COUNT 2>/dev/null || echo 0) + 1 )) > COUNT"
          }
        }
        """
            .formatted(dir, applies));
    repo.commit("the slow task");
    int[] free = LoopbackPorts.free(2);
    grpcPort = free[0];
    httpPort = free[1];
    startServerAgain();
    api = new ApiClient("http://127.0.0.1:" + httpPort, null, Duration.ofSeconds(10));
  }

  private void startServerAgain() {
    server =
        ServerNode.start(
            ServerNode.loopbackConfig(
                tmp.resolve("server"),
                repo.dir(),
                grpcPort,
                httpPort,
                TOKEN,
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                1000),
            Fleet.PEKKO);
  }

  /** Starts {@code fluke agent} in a child JVM; all agents of a test share one state_dir. */
  private Process startAgent(String stopGrace) throws IOException {
    Path config = tmp.resolve("agent.hcl");
    Files.writeString(
        config,
        """
        agent {
          server_url = "grpc://127.0.0.1:%d"
          token      = "%s"
          name       = "%s"
          labels     = { role = "web" }
          state_dir  = "%s"
          stop_grace = "%s"
          execution { command_timeout = "5m" }
        }
        """
            .formatted(grpcPort, TOKEN, AGENT, tmp.resolve("agent-state"), stopGrace));
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = tmp.resolve("agent-" + (agents.size() + 1) + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dfluke.agent.reconnect.min-backoff=200ms",
                "-Dfluke.agent.reconnect.max-backoff=1s",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fluke.app.Main",
                "agent",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    Process p = pb.start();
    agents.add(p);
    return p;
  }

  @Test
  void killedAgentRestartedAtOnceWaitsForItsApplyReportsItOnceAndAppliesAgainOnlyAfterwards()
      throws Exception {
    startServer(2);
    Process first = startAgent("2m");
    awaitMarkers("the first apply started", List.of("start"));

    first.destroyForcibly(); // kill -9, mid-apply
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    startAgent("2m");
    awaitLog(2, "waiting up to 2m (stop_grace) for it to end");
    release();

    awaitMarkers("two applies ran", List.of("start", "end", "start", "end"));
    awaitStatus("satisfied");
    List<Event> interrupted = events("interrupted: the agent restarted while this apply ran");
    assertEquals(1, interrupted.size(), interrupted.toString());
    assertTrue(
        interrupted.get(0).message().contains("ended while the restarted agent waited"),
        interrupted.get(0).message());
    assertEquals("error", interrupted.get(0).outcome());
  }

  @Test
  void killedAgentWithAShortGraceKillsTheLeftApplysProcessTreeAndReportsIt() throws Exception {
    startServer(1);
    Process first = startAgent("1s");
    awaitMarkers("the first apply started", List.of("start"));
    long orphanWait = firstPid("SLEEPS");

    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    startAgent("1s");

    // The left apply never ends by itself: it is killed, then the next apply runs.
    awaitMarkers("the next apply started", List.of("start", "start"));
    assertFalse(running(orphanWait), "the left apply's process tree was killed");
    release();
    awaitMarkers("the next apply ended", List.of("start", "start", "end"));
    awaitStatus("satisfied");
    List<Event> killed = events("its process tree was killed");
    assertEquals(1, killed.size(), killed.toString());
    assertTrue(killed.get(0).message().startsWith("late: started on an earlier connection"));
  }

  @Test
  void sigtermLetsTheRunningApplyFinishAndReportsItBeforeTheAgentExits() throws Exception {
    startServer(1);
    Process agent = startAgent("2m");
    awaitMarkers("the apply started", List.of("start"));

    agent.destroy(); // SIGTERM, as systemctl stop sends
    awaitLog(1, "Stopping: giving running work up to 2m (stop_grace) to finish");
    release();
    assertTrue(agent.waitFor(90, TimeUnit.SECONDS), "the agent exits");

    assertEquals(List.of("start", "end"), markers(), "the apply was let finish");
    // Reported and acknowledged before the process ended: nothing is left in the journal.
    JsonNode journal = journal();
    assertTrue(journal.path("running").isMissingNode(), journal.toString());
    assertEquals(0, journal.path("results").size(), journal.toString());
    List<Event> applied =
        api.events(new EventQuery(AGENT, "slow", "applied", 50)).value().stream()
            .filter(e -> e.kind().equals("apply"))
            .toList();
    assertEquals(1, applied.size(), applied.toString());
    assertFalse(applied.get(0).message().contains("late"), applied.get(0).message());
  }

  @Test
  void sigtermPastTheGraceKillsTheApplyKeepsItsCancelledResultAndReportsItOnTheNextConnection()
      throws Exception {
    startServer(1);
    Process agent = startAgent("1s");
    awaitMarkers("the apply started", List.of("start"));
    long sleep = firstPid("SLEEPS");
    server.close(); // the server is away (being upgraded too): nothing can be reported now
    server = null;

    agent.destroy();
    assertTrue(agent.waitFor(90, TimeUnit.SECONDS), "the agent exits");

    assertFalse(running(sleep), "tree killed");
    JsonNode journal = journal();
    assertTrue(journal.path("running").isMissingNode(), journal.toString());
    assertEquals(1, journal.path("results").size(), journal.toString());
    assertTrue(journal.toString().contains("stop_grace of 1s ran out"), journal.toString());

    startServerAgain();
    startAgent("1s");
    await(
        "the cancelled result is reported",
        Duration.ofSeconds(60),
        () -> !events("stop_grace of 1s ran out").isEmpty(),
        () -> events(""));
    awaitMarkers("the next apply started", List.of("start", "start"));
    release();
    awaitStatus("satisfied");
    List<Event> cancelled = events("stop_grace of 1s ran out");
    assertEquals(1, cancelled.size(), cancelled.toString());
    assertEquals("error", cancelled.get(0).outcome());
  }

  // ---- what the files and the server say ----

  /** Lets every apply that waits (and every later one) end. */
  private void release() throws IOException {
    Files.writeString(host().resolve("RELEASE"), "");
  }

  /** Waits until the log of the {@code n}th agent started holds {@code line}. */
  private void awaitLog(int n, String line) {
    await(
        "agent " + n + " logs: " + line,
        Duration.ofSeconds(90),
        () -> Fleet.read(tmp.resolve("agent-" + n + ".log")).contains(line),
        this::agentLogs);
  }

  private List<String> markers() {
    try {
      Path f = host().resolve("MARKERS");
      return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Waits until MARKERS reads {@code expected}; it must never show an OVERLAP. */
  private void awaitMarkers(String what, List<String> expected) {
    await(
        what,
        Duration.ofSeconds(90),
        () -> {
          assertFalse(markers().contains("OVERLAP"), "two applies at once: " + markers());
          return markers().equals(expected);
        },
        () -> markers() + "\n" + agentLogs());
    assertFalse(markers().contains("OVERLAP"), markers().toString());
  }

  private void awaitStatus(String status) {
    await(
        AGENT + "/slow is " + status,
        Duration.ofSeconds(60),
        () ->
            api.agent(AGENT).value().tasks().stream()
                .anyMatch(t -> t.task().equals("slow") && t.status().word().equals(status)),
        () -> api.agent(AGENT).value());
  }

  private List<Event> events(String messageContains) {
    return api.events(new EventQuery(AGENT, "slow", null, 500)).value().stream()
        .filter(e -> e.message().contains(messageContains))
        .toList();
  }

  private JsonNode journal() throws IOException {
    return new ObjectMapper()
        .readTree(tmp.resolve("agent-state").resolve(AgentNode.JOURNAL_FILE).toFile());
  }

  /** The first pid {@code file} holds, once the script has written it (just after "start"). */
  private long firstPid(String file) {
    return Awaitility.await(file + " holds a pid")
        .atMost(Duration.ofSeconds(30))
        .until(() -> pids(file), p -> !p.isEmpty())
        .get(0);
  }

  private List<Long> pids(String file) {
    try {
      Path f = host().resolve(file);
      if (!Files.exists(f)) {
        return List.of();
      }
      // a line being written may still be empty
      return Files.readAllLines(f).stream()
          .map(String::trim)
          .filter(l -> !l.isEmpty())
          .map(Long::parseLong)
          .toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Whether the process runs: it exists and is not a zombie waiting to be reaped. */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  private String agentLogs() {
    StringBuilder out = new StringBuilder();
    for (int i = 1; i <= agents.size(); i++) {
      out.append("--- agent ")
          .append(i)
          .append(":\n")
          .append(Fleet.read(tmp.resolve("agent-" + i + ".log")));
    }
    return out.toString();
  }
}

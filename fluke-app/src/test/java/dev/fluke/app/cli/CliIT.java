package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.events.EventQuery;
import dev.fluke.http.ApiAuth;
import dev.fluke.http.ApiErrors;
import dev.fluke.http.ApiJson;
import dev.fluke.http.HttpApi;
import dev.fluke.http.TestFleetApi;
import dev.fluke.http.ui.LiveStreamRoutes;
import dev.fluke.http.ui.TestLiveFeed;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI run in-process against the real HTTP API (fluke-http) on a free loopback port, backed by
 * the in-memory {@link TestFleetApi}. The clock is fixed ten seconds after the fleet's newest
 * activity.
 */
class CliIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant NOW = Instant.parse("2025-03-01T13:00:10Z");
  private final ObjectMapper mapper = ApiJson.create();

  private TestFleetApi fleet;
  private ServerBinding binding;
  private String server;

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    String line(String startsWith) {
      return lines().stream()
          .filter(l -> l.startsWith(startsWith))
          .findFirst()
          .orElseThrow(
              () -> new AssertionError("no line starting with '" + startsWith + "' in:\n" + out));
    }
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() throws Exception {
    serve(new TestFleetApi(), Set.of());
  }

  @AfterEach
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void serve(TestFleetApi api, Set<String> tokens) throws Exception {
    if (binding != null) {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    fleet = api;
    // The live stream as the server has it, so reconcile --wait follows it; TestLiveFeed stays
    // quiet here
    // (CliLiveIT scripts it) apart from its heartbeats.
    ApiErrors errors = new ApiErrors(mapper);
    Route stream =
        new LiveStreamRoutes(
                new TestLiveFeed(),
                mapper,
                new ApiAuth(tokens, errors),
                errors,
                Duration.ofMillis(200))
            .routes();
    binding =
        HttpApi.bind(testKit.system(), "127.0.0.1", 0, HttpApi.routes(api, tokens, stream))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    server = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  private Run fluke(String... args) {
    return flukeWithEnv(Map.of("FLUKE_SERVER", server), args);
  }

  private Run flukeWithEnv(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = FlukeCommand.commandLine(env, Clock.fixed(NOW, ZoneOffset.UTC));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The column a header starts at, to check that a row's value sits under it. */
  private static void assertUnder(Run run, String header, String rowStart, String value) {
    int column = run.lines().get(0).indexOf(header);
    assertTrue(column >= 0, "no header " + header + " in\n" + run.out());
    String row = run.line(rowStart);
    assertTrue(
        row.startsWith(value + " ", column)
            || row.endsWith(value) && row.length() - value.length() == column,
        "'" + value + "' under " + header + " in\n" + run.out());
  }

  @Test
  void suspendAndResumeNameEachScopeAndSayWhatHappens() throws Exception {
    Run task =
        flukeWithEnv(
            Map.of("FLUKE_SERVER", server, "USER", "carol"),
            "suspend",
            "task",
            "deploy_app",
            "--reason",
            "db migration",
            "--for",
            "2h");
    assertEquals(0, task.exit(), task.err());
    assertTrue(
        task.out().contains("Suspended: task deploy_app is suspended by carol ("), task.out());
    assertTrue(
        task.out().contains("until 'fluke resume task deploy_app' or the expiry"), task.out());
    Run agent = fluke("suspend", "agent", "web-01", "--reason", "kernel", "--by", "dave");
    assertTrue(agent.out().contains("until 'fluke resume agent web-01' (a manual"), agent.out());
    Run all = fluke("suspend", "all", "--reason", "freeze");
    assertTrue(all.out().contains("until 'fluke resume all'"), all.out());
    assertEquals(
        List.of("all", "agent:web-01", "task:deploy_app"),
        fleet.suspensions().toCompletableFuture().get().stream()
            .map(dev.fluke.api.Suspension::key)
            .toList());

    assertEquals(2, fluke("suspend", "agent").exit(), "an agent scope needs its NAME");
    assertEquals(2, fluke("suspend", "all", "web-01", "--reason", "x").exit(), "all takes none");

    Run resumed = fluke("resume", "task", "deploy_app");
    assertEquals(0, resumed.exit(), resumed.err());
    assertTrue(resumed.out().startsWith("Resumed: task deploy_app resumed by"), resumed.out());
    assertEquals(0, fluke("resume", "agent", "web-01").exit());
    assertEquals(0, fluke("resume", "all").exit());
    assertEquals(1, fluke("resume", "all").exit(), "nothing to resume");
    assertTrue(fleet.suspensions().toCompletableFuture().get().isEmpty());
  }

  @Test
  void getAgentsPrintsAnAlignedTableWithRelativeTimes() {
    Run run = fluke("get", "agents");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.lines().get(0).startsWith("NAME    STATUS        CYCLE  TASKS"), run.out());
    assertUnder(run, "STATUS", "db-01", "disconnected");
    assertUnder(run, "STATUS", "web-01", "connected");
    assertUnder(run, "TASKS", "web-01", "1 satisfied, 1 drifted");
    assertUnder(run, "TASKS", "db-01", "1 error");
    assertUnder(run, "LAST SEEN", "web-01", "20s ago");
    assertUnder(run, "LAST SEEN", "db-01", "50m ago");
    assertUnder(run, "LAST CYCLE", "web-01", "30s ago");
    assertUnder(run, "LABELS", "web-01", "env=prod,role=web");
    assertEquals(3, run.lines().size());
  }

  @Test
  void getAgentsTakesTheFleetFilter() throws Exception {
    assertEquals(List.of("web-01"), names(fluke("get", "agents", "drifted")));
    assertEquals(List.of("db-01"), names(fluke("get", "agents", "disconnected")));
    assertEquals(List.of("web-01"), names(fluke("get", "agents", "role=web", "web")));
    assertEquals(List.of("db-01"), names(fluke("get", "agents", "ERROR")));
    Run none = fluke("get", "agents", "role=web", "error");
    assertEquals(0, none.exit(), none.err());
    assertEquals("No agent matches 'role=web error' (of 2 known).\n", none.out());
    JsonNode json = mapper.readTree(fluke("get", "agents", "drifted", "-o", "json").out());
    assertEquals(1, json.size());
    assertEquals("web-01", json.at("/0/name").asText());
    assertEquals("2025-03-01T12:59:50Z", json.at("/0/last_seen").asText(), "the server's own JSON");
  }

  private static List<String> names(Run run) {
    assertEquals(0, run.exit(), run.err());
    return run.lines().stream().skip(1).map(l -> l.split(" ")[0]).toList();
  }

  @Test
  void getAgentsAsJsonIsTheServersJson() throws Exception {
    Run run = fluke("get", "agents", "-o", "json");
    assertEquals(0, run.exit(), run.err());
    JsonNode agents = mapper.readTree(run.out());
    assertEquals("web-01", agents.at("/1/name").asText());
    assertEquals("2025-03-01T12:59:50Z", agents.at("/1/last_seen").asText());
    assertEquals(1, agents.at("/1/counts/drifted").asInt());
    assertEquals(0, fluke("get", "agents", "-o", "JSON").exit(), "case-insensitive format");
  }

  @Test
  void getTasksAndDrift() throws Exception {
    Run tasks = fluke("get", "tasks");
    assertEquals(0, tasks.exit(), tasks.err());
    assertUnder(tasks, "POLICY", "deploy_app", "alert_only");
    assertUnder(tasks, "SELECTOR", "deploy_app", "role=web");
    assertUnder(tasks, "FILE", "deploy_app", "apps/web.fluke.hcl");

    Run drift = fluke("get", "drift");
    assertEquals(0, drift.exit(), drift.err());
    assertUnder(drift, "TASK", "web-01", "deploy_app");
    assertUnder(drift, "STATUS", "web-01", "drifted");
    assertUnder(drift, "ALERTED", "web-01", "yes");
    assertUnder(drift, "SINCE", "web-01", "30s ago");
    assertUnder(drift, "MESSAGE", "db-01", "mise: command not found");

    JsonNode json = mapper.readTree(fluke("get", "drift", "-o", "json").out());
    assertEquals("deploy_app", json.at("/0/task").asText());
  }

  @Test
  void getNodesListsTheOneNodeOfASingleServer() throws Exception {
    Run nodes = fluke("get", "nodes");
    assertEquals(0, nodes.exit(), nodes.err());
    assertUnder(nodes, "STATUS", "local (this one)", "up");
    assertUnder(nodes, "LEADER", "local (this one)", "yes");
    assertUnder(nodes, "SINGLETONS", "local (this one)", "git");
    JsonNode json = mapper.readTree(fluke("get", "nodes", "-o", "json").out());
    assertEquals("local", json.at("/0/address").asText());
  }

  @Test
  void getAgentsWarnsWhenClusterNodesDidNotAnswer() {
    assertFalse(fluke("get", "agents").err().contains("did not answer"));
    fleet.missingNodes(List.of("pekko://fluke-server@10.0.0.3:7072"));
    Run agents = fluke("get", "agents");
    assertEquals(0, agents.exit(), agents.err());
    assertTrue(
        agents
            .err()
            .contains(
                "server nodes did not answer in time, their agents show as unknown:"
                    + " pekko://fluke-server@10.0.0.3:7072"),
        agents.err());
  }

  @Test
  void getEventsWarnsWhenClusterNodesDidNotAnswer() throws Exception {
    assertFalse(fluke("get", "events").err().contains("did not answer"));
    fleet.missingNodes(List.of("pekko://fluke-server@10.0.0.3:7072"));
    Run events = fluke("get", "events");
    assertEquals(0, events.exit(), events.err());
    assertEquals(6, events.lines().size(), events.out());
    assertTrue(
        events
            .err()
            .contains(
                "server nodes did not answer in time, their events are not listed:"
                    + " pekko://fluke-server@10.0.0.3:7072"),
        events.err());
    // -o json: the JSON on stdout stays the plain list, the warning goes to stderr
    Run json = fluke("get", "events", "-o", "json");
    assertTrue(mapper.readTree(json.out()).isArray(), json.out());
    assertTrue(json.err().contains("did not answer"), json.err());
  }

  @Test
  void getEventsPassesFiltersAndDefaultsTo20() throws Exception {
    Run all = fluke("get", "events");
    assertEquals(0, all.exit(), all.err());
    assertEquals(new EventQuery(null, null, null, 20), fleet.lastEventQuery());
    assertEquals(6, all.lines().size());
    assertUnder(all, "OUTCOME", "30s ago", "drifted");
    assertUnder(all, "EXECUTOR", "30s ago", "shell \"main\"");
    assertUnder(all, "DURATION", "30s ago", "120ms");
    assertUnder(all, "TASK", "60m ago", "-");

    Run filtered = fluke("get", "events", "--agent", "db-01", "--outcome", "error", "--limit", "5");
    assertEquals(0, filtered.exit(), filtered.err());
    assertEquals(new EventQuery("db-01", null, "error", 5), fleet.lastEventQuery());
    assertEquals(2, filtered.lines().size(), filtered.out());
    assertUnder(filtered, "EXIT", "50m ago", "-");

    Run none = fluke("get", "events", "--task", "nothing");
    assertEquals("No events match.", none.out().strip());

    JsonNode json = mapper.readTree(fluke("get", "events", "-o", "json", "--limit", "1").out());
    assertEquals(1, json.size());
    assertEquals("2025-03-01T12:59:40Z", json.at("/0/time").asText());
  }

  @Test
  void getManifestShowsTheRejectedCommitsErrors() {
    Run run = fluke("get", "manifest");
    assertEquals(0, run.exit(), run.err());
    assertTrue(
        run.out().contains("In force:     1f2e3d4, loaded 60m ago: 2 task(s) from 2 file(s)"),
        run.out());
    assertTrue(run.out().contains("Newest:       9a8b7c6 REJECTED with 1 error(s)"), run.out());
    assertTrue(
        run.out().contains("  apps/web.fluke.hcl:12:5: unknown attribute \"comand\""), run.out());
  }

  @Test
  void getManifestShowsARefusedRewriteAndHowToAcceptIt() {
    Run run = fluke("get", "manifest");
    assertTrue(
        run.out()
            .contains(
                "5e4f321: the branch was rewritten (force push); accept it with 'fluke accept"
                    + " rewrite "
                    + TestFleetApi.REFUSED
                    + "'"),
        run.out());
  }

  @Test
  void acceptRewriteAcceptsTheRefusedCommitAndExitsOneOtherwise() throws Exception {
    Run ok = fluke("accept", "rewrite", "5e4f3210");
    assertEquals(0, ok.exit(), ok.err());
    assertEquals("5e4f3210", fleet.lastAccept());
    assertTrue(
        ok.out().contains("Accepted: the rewrite of branch 'main' to " + TestFleetApi.REFUSED),
        ok.out());

    JsonNode json = mapper.readTree(fluke("accept", "rewrite", "5e4f3210", "-o", "json").out());
    assertTrue(json.get("accepted").asBoolean());

    Run wrong = fluke("accept", "rewrite", "1234567");
    assertEquals(1, wrong.exit());
    assertTrue(
        wrong
            .err()
            .contains("error: the rewrite waiting to be accepted is to " + TestFleetApi.REFUSED),
        wrong.err());

    Run missing = fluke("accept", "rewrite");
    assertEquals(2, missing.exit(), "usage error");
    Run alone = fluke("accept");
    assertEquals(2, alone.exit(), "usage error");
  }

  @Test
  void describeAgentShowsFieldsTasksExecutorsOutputAndEvents() throws Exception {
    Run run = fluke("describe", "agent", "web-01");
    assertEquals(0, run.exit(), run.err());
    String out = run.out();
    assertTrue(out.startsWith("Name:       web-01\n"), out);
    assertTrue(out.contains("Status:     connected since 60m ago\n"), out);
    assertTrue(out.contains("Labels:     env=prod,role=web\n"), out);
    assertTrue(out.contains("Cycle:      idle, last cycle ended 30s ago\n"), out);
    assertTrue(out.contains("Tasks:      1 satisfied, 1 drifted\n"), out);
    assertTrue(
        out.matches(
            "(?s).*deploy_app\\s+drifted\\s+alert_only\\s+yes\\s+30s ago\\s+-\\s+check exited 1\n.*"),
        out);
    assertTrue(
        out.contains(
            "Output of deploy_app / shell \"main\" (check, exit 1):\n    missing /opt/app/.deployed\n"),
        out);
    assertTrue(out.contains("Recent events:"), out);

    JsonNode json = mapper.readTree(fluke("describe", "agent", "web-01", "-o", "json").out());
    assertEquals("drifted", json.at("/tasks/1/status").asText());
  }

  @Test
  void describeAgentWithoutItsHistoryShowsTheLiveStateAndSaysWhy() throws Exception {
    fleet.failEventsWith(
        new dev.fluke.api.HistoryUnavailable(
            "the event history is unavailable: the event store (redis) cannot be read (down)",
            null));
    Run run = fluke("describe", "agent", "web-01");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("Tasks:      1 satisfied, 1 drifted\n"), run.out());
    assertTrue(
        run.out()
            .endsWith(
                "Recent events: not shown: the event history is unavailable: the event store"
                    + " (redis) cannot be read (down). The status above is live.\n"),
        run.out());

    Run events = fluke("get", "events");
    assertEquals(1, events.exit());
    assertTrue(
        events.err().contains("the event history is unavailable: the event store (redis)"),
        events.err());
  }

  @Test
  void describeTaskShowsExecutorsAndAgents() throws Exception {
    Run run = fluke("describe", "task", "deploy_app");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("Description:  Deploy the web app\n"), run.out());
    assertTrue(run.out().contains("Agents:       1 matched: 1 drifted\n"), run.out());
    assertTrue(
        run.out()
            .matches(
                "(?s).*mise \"deploy\"\\s+abort\\s+check_task=check, working_dir=/opt/app\n.*"),
        run.out());
    assertTrue(run.out().matches("(?s).*web-01\\s+yes\\s+drifted\\s+yes\\s+30s ago.*"), run.out());
    JsonNode json = mapper.readTree(fluke("describe", "task", "deploy_app", "-o", "json").out());
    assertEquals("/opt/app", json.at("/executors/0/attributes/working_dir").asText());
  }

  @Test
  void describeUnknownNamesFailWithWhatToDo() {
    Run agent = fluke("describe", "agent", "ghost");
    assertEquals(1, agent.exit());
    assertEquals(
        "error: agent 'ghost' not found: list the agents with 'fluke get agents'\n", agent.err());
    Run task = fluke("describe", "task", "ghost");
    assertEquals(1, task.exit());
    assertEquals(
        "error: task 'ghost' not found: list the tasks with 'fluke get tasks'\n", task.err());
  }

  @Test
  void reconcileWithoutWaitReportsTheAgents() {
    Run all = fluke("reconcile", "all");
    assertEquals(0, all.exit(), all.err());
    assertEquals(Dto.ReconcileTarget.ALL, fleet.lastReconcile());
    assertTrue(
        all.out().startsWith("Reconcile of the whole fleet started on 1 agent(s): web-01."),
        all.out());

    Run agent = fluke("reconcile", "agent", "web-01");
    assertEquals(0, agent.exit(), agent.err());
    assertEquals(Dto.ReconcileTarget.agent("web-01"), fleet.lastReconcile());

    Run task = fluke("reconcile", "task", "deploy_app", "-o", "json");
    assertEquals(0, task.exit(), task.err());
    assertEquals(Dto.ReconcileTarget.task("deploy_app"), fleet.lastReconcile());
    assertTrue(task.out().contains("\"requested_at\" : \"2025-03-01T13:00:03Z\""), task.out());
  }

  @Test
  void reconcileOfAnUnknownAgentFails() {
    Run run = fluke("reconcile", "agent", "ghost");
    assertEquals(1, run.exit());
    assertEquals(
        "error: agent 'ghost' not found: list the agents with 'fluke get agents'\n", run.err());
  }

  @Test
  void reconcileWaitPrintsTheResultsWhenTheCyclesEnd() {
    Run run = fluke("reconcile", "agent", "web-01", "--wait", "--poll-interval", "10ms");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.err().startsWith("Reconcile started on web-01; waiting up to 5m"), run.err());
    assertUnder(run, "STATUS", "web-01  deploy_app", "satisfied");
    assertUnder(run, "STATUS", "web-01  base_packages", "satisfied");
  }

  @Test
  void reconcileWaitExitsOneWhenATaskFailed() {
    fleet.reconcileOutcome("deploy_app", "failed");
    Run run = fluke("reconcile", "task", "deploy_app", "--wait", "--poll-interval", "10ms");
    assertEquals(1, run.exit(), run.out());
    assertUnder(run, "STATUS", "web-01", "failed");
    assertFalse(run.out().contains("base_packages"), "a task reconcile reports that task only");
    assertTrue(
        run.err().endsWith("error: 1 task(s) failed: web-01/deploy_app failed (apply exited 2)\n"),
        run.err());
  }

  @Test
  void reconcileWaitAsJsonHasTheRequestAndEveryAgentsDetail() throws Exception {
    Run run = fluke("reconcile", "all", "--wait", "--poll-interval", "10ms", "-o", "json");
    assertEquals(0, run.exit(), run.err());
    JsonNode json = mapper.readTree(run.out());
    assertEquals("all", json.at("/reconcile/target/kind").asText());
    assertEquals("web-01", json.at("/agents/0/agent/name").asText());
    assertEquals("idle", json.at("/agents/0/agent/cycle").asText());
    Instant requested = Instant.parse(json.at("/reconcile/requested_at").asText());
    Instant ended = Instant.parse(json.at("/agents/0/agent/last_cycle_ended_at").asText());
    assertTrue(ended.isAfter(requested));
  }

  @Test
  void reconcileWaitTimesOutWhenACycleNeverEnds() throws Exception {
    serve(
        new TestFleetApi() {
          @Override
          public synchronized CompletionStage<List<Dto.AgentSummary>> agents() {
            // Reads never move the cycle on: the agent stays busy for ever.
            return super.agents()
                .thenApply(
                    list ->
                        list.stream()
                            .map(
                                a ->
                                    new Dto.AgentSummary(
                                        a.name(),
                                        a.labels(),
                                        a.version(),
                                        a.connected(),
                                        a.connectedAt(),
                                        a.lastSeen(),
                                        CyclePhase.CHECKING,
                                        null,
                                        a.counts(),
                                        0))
                            .toList());
          }
        },
        Set.of());
    Run run =
        fluke(
            "reconcile",
            "agent",
            "web-01",
            "--wait",
            "--timeout",
            "100ms",
            "--poll-interval",
            "10ms");
    assertEquals(1, run.exit(), run.out());
    assertTrue(
        run.err().contains("error: timed out after 100ms waiting for web-01 to finish the cycle"),
        run.err());
  }

  @Test
  void anUnreachableServerIsExplained() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Run run = flukeWithEnv(Map.of(), "get", "agents", "--server", "http://127.0.0.1:" + port);
    assertEquals(1, run.exit());
    assertEquals(
        "error: cannot reach the Fluke server at http://127.0.0.1:"
            + port
            + " (connection refused): start one"
            + " with 'fluke server --config server.hcl' or 'fluke dev', or point --server / FLUKE_SERVER at it\n",
        run.err());
    assertEquals("", run.out());
  }

  @Test
  void aBusyServerIsExplained() {
    fleet.failWith(new TimeoutException("ask timed out"));
    Run run = fluke("get", "drift");
    assertEquals(1, run.exit());
    assertTrue(
        run.err()
            .contains("is busy or starting: the server did not answer in time (ask timed out)"),
        run.err());
  }

  @Test
  void tokensComeFromTheOptionOrTheEnvironment() throws Exception {
    serve(new TestFleetApi(), Set.of("t0ken"));
    Map<String, String> env = new HashMap<>(Map.of("FLUKE_SERVER", server));
    Run missing = flukeWithEnv(env, "get", "agents");
    assertEquals(1, missing.exit());
    assertTrue(
        missing.err().contains("needs an API token: pass --token or set FLUKE_API_TOKEN"),
        missing.err());

    Run wrong = flukeWithEnv(env, "get", "agents", "--token", "nope");
    assertEquals(1, wrong.exit());
    assertTrue(wrong.err().contains("rejected the API token"), wrong.err());

    assertEquals(0, flukeWithEnv(env, "get", "agents", "--token", "t0ken").exit());
    env.put("FLUKE_API_TOKEN", "t0ken");
    assertEquals(0, flukeWithEnv(env, "get", "agents").exit());
    assertEquals(
        1, flukeWithEnv(env, "get", "agents", "--token", "nope").exit(), "the option wins");
  }

  @Test
  void usageErrorsExitTwo() {
    for (String[] args :
        new String[][] {
          {},
          {"get"},
          {"get", "gadgets"},
          {"describe", "agent"},
          {"--bogus"},
          {"get", "agents", "-o", "yaml"},
          {"get", "events", "--limit", "0"},
          {"get", "events", "--limit", "1001"},
          {"reconcile", "all", "--timeout", "5x"},
          {"get", "agents", "--server", "ftp://example.org"}
        }) {
      Run run = fluke(args);
      assertEquals(2, run.exit(), Arrays.toString(args) + "\n" + run.err());
      assertFalse(run.err().isBlank());
    }
  }

  @Test
  void versionPrintsTheVersionAndTheCommitItWasBuiltFrom() throws Exception {
    Run run = fluke("version");
    assertEquals(0, run.exit(), run.err());
    List<String> lines = run.lines();
    assertTrue(lines.get(0).matches("fluke \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), run.out());
    String expectedCommit = gitHead();
    String commitLine = lines.get(1);
    if (expectedCommit == null) {
      assertEquals("commit unknown", commitLine);
    } else {
      assertTrue(
          commitLine.startsWith("commit " + expectedCommit), commitLine + " vs " + expectedCommit);
    }
    assertEquals(
        "java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ") at "
            + System.getProperty("java.home"),
        lines.get(2),
        "the runtime running it, and where it lives");
    JsonNode json = mapper.readTree(fluke("version", "-o", "json").out());
    assertEquals(lines.get(0), "fluke " + json.get("version").asText());
    assertEquals(System.getProperty("java.home"), json.get("java_home").asText());

    Run flag = fluke("--version");
    assertEquals(0, flag.exit());
    assertTrue(
        flag.out().startsWith("fluke " + json.get("version").asText() + " (commit "), flag.out());
  }

  /** The commit of the checkout being built, or null outside a Git checkout. */
  private static String gitHead() throws Exception {
    try {
      Process git =
          new ProcessBuilder("git", "rev-parse", "HEAD")
              .directory(new File("."))
              .redirectErrorStream(true)
              .start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return git.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
    } catch (java.io.IOException noGit) {
      return null;
    }
  }
}

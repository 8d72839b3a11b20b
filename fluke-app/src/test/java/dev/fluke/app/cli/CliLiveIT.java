package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.app.client.ApiClient;
import dev.fluke.app.client.ApiClientException;
import dev.fluke.app.client.LiveStream;
import dev.fluke.events.Event;
import dev.fluke.http.ApiAuth;
import dev.fluke.http.ApiErrors;
import dev.fluke.http.ApiJson;
import dev.fluke.http.HttpApi;
import dev.fluke.http.TestFleetApi;
import dev.fluke.http.ui.LiveStreamRoutes;
import dev.fluke.http.ui.TestLiveFeed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code fluke logs agent} and {@code fluke reconcile --wait} run in-process against the real HTTP
 * API and live stream routes on a free loopback port, over the in-memory {@link TestFleetApi} and a
 * {@link TestLiveFeed} the test publishes to. Commands that keep running (follow, wait) run on
 * their own thread; the test waits (bounded) for what they print before moving the fleet on.
 */
class CliLiveIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String MARKER = "shell \"marker\"";
  private static final String DEPLOY = "mise \"deploy\"";
  private final ObjectMapper mapper = ApiJson.create();

  private HeldFleet fleet;
  private TestLiveFeed feed;
  private ServerBinding binding;
  private String server;

  /**
   * A fleet whose manual cycles stay in {@code applying} until {@link #release}, and which notes
   * who watched.
   */
  static final class HeldFleet extends TestFleetApi {
    private final TestLiveFeed feed;
    volatile boolean held = true;
    volatile int subscribersAtReconcile = -1;

    HeldFleet(TestLiveFeed feed) {
      this.feed = feed;
    }

    void release() {
      held = false;
    }

    @Override
    public synchronized CompletionStage<Dto.ReconcileAccepted> reconcile(
        Dto.ReconcileTarget target, boolean force) {
      subscribersAtReconcile = feed.subscribers();
      return super.reconcile(target, force);
    }

    @Override
    public synchronized CompletionStage<List<Dto.AgentSummary>> agents() {
      // Reading still moves the cycle on underneath; while held, every agent just shows as
      // applying.
      CompletionStage<List<Dto.AgentSummary>> agents = super.agents();
      if (!held) {
        return agents;
      }
      return agents.thenApply(
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
                              CyclePhase.APPLYING,
                              a.lastCycleEndedAt(),
                              a.counts(),
                              0)) // the request is not served while held
                  .toList());
    }
  }

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  /** A command running on its own thread, its output readable while it runs. */
  final class Background {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final Thread thread;

    Background(Map<String, String> env, String... args) {
      var cli =
          FlukeCommand.commandLine(
              env, Clock.fixed(Instant.parse("2025-03-01T13:00:10Z"), ZoneOffset.UTC));
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      thread =
          new Thread(() -> exit.complete(cli.execute(args)), "fluke-" + String.join("-", args));
      thread.setDaemon(true);
      thread.start();
    }

    void awaitOut(String text) throws InterruptedException {
      await(out, text);
    }

    void awaitErr(String text) throws InterruptedException {
      await(err, text);
    }

    private void await(StringWriter w, String text) throws InterruptedException {
      try {
        Awaitility.await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(10))
            .until(() -> w.toString().contains(text) || exit.isDone());
      } catch (ConditionTimeoutException e) {
        // reported below with both streams
      }
      if (!w.toString().contains(text)) {
        fail("'" + text + "' was not printed; out:\n" + out + "\nerr:\n" + err);
      }
    }

    /** Waits for the command to end by itself. */
    Run join() throws Exception {
      int code = exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      return new Run(code, out.toString(), err.toString());
    }

    /**
     * Stops it as an embedding program would (the terminal's Ctrl-C ends the whole process
     * instead).
     */
    Run stop() throws Exception {
      thread.interrupt();
      return join();
    }
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() throws Exception {
    serve(Set.of(), true);
  }

  @AfterEach
  void stop() throws Exception {
    binding.terminate(Duration.ofSeconds(1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void serve(Set<String> tokens, boolean withStream) throws Exception {
    if (binding != null) {
      binding.terminate(Duration.ofSeconds(1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    feed = new TestLiveFeed();
    fleet = new HeldFleet(feed);
    ApiErrors errors = new ApiErrors(mapper);
    // A short heartbeat, so every test also reads heartbeats between updates.
    Route stream =
        new LiveStreamRoutes(
                feed, mapper, new ApiAuth(tokens, errors), errors, Duration.ofMillis(100))
            .routes();
    binding =
        HttpApi.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                withStream ? HttpApi.routes(fleet, tokens, stream) : HttpApi.routes(fleet, tokens))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    server = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  private Background background(String... args) {
    return new Background(Map.of("FLUKE_SERVER", server), args);
  }

  private Run fluke(String... args) throws Exception {
    return background(args).join();
  }

  private static LiveUpdate line(String agent, String task, String executor, String text) {
    return LiveUpdate.output(agent, task, executor, text);
  }

  private static LiveUpdate event(
      String kind, String task, String executor, String outcome, int exit, String message) {
    return LiveUpdate.ofEvent(
        new Event(Instant.now(), kind, "web-01", task, executor, outcome, exit, 1200, "", message));
  }

  @Test
  void logsFollowPrintsTheBufferedLinesThenTheLiveOnesInOrderNoneTwice() throws Exception {
    feed.buffer(line("web-01", "deploy_app", MARKER, "one"));
    feed.buffer(line("web-01", "deploy_app", MARKER, "two"));
    // The line published between the viewer's subscription and its read of the buffer is in both.
    CompletableFuture<Void> bufferRead = feed.holdRecentOutput();
    Background logs = background("logs", "agent", "web-01", "-f");
    feed.awaitSubscribers(1, WAIT);
    feed.publish(line("web-01", "deploy_app", MARKER, "three"));
    bufferRead.complete(null);
    logs.awaitOut("three");
    feed.publish(line("db-01", "deploy_app", MARKER, "another agent's line"));
    feed.publish(event("check", "deploy_app", MARKER, "satisfied", 0, "check passed"));
    feed.publish(line("web-01", "deploy_app", MARKER, "four"));
    feed.publish(event("apply", "deploy_app", MARKER, "applied", 0, "apply exited 0"));
    feed.publish(
        event("verify", "deploy_app", MARKER, "failed", 1, "check still fails after the apply"));
    logs.awaitOut("verify");

    Run run = logs.stop();
    assertEquals(0, run.exit(), run.err());
    assertEquals(
        List.of(
            "[deploy_app/shell \"marker\"] one",
            "[deploy_app/shell \"marker\"] two",
            "[deploy_app/shell \"marker\"] three",
            "[deploy_app/shell \"marker\"] four",
            "== deploy_app/shell \"marker\" apply: applied (exit 0, 1.2s)",
            "== deploy_app/shell \"marker\" verify: failed (exit 1, 1.2s): check still fails after the apply"),
        run.lines());
    assertEquals("", run.err());
  }

  @Test
  void logsWithoutFollowPrintsTheBufferedLinesAndExits() throws Exception {
    feed.buffer(line("web-01", "deploy_app", MARKER, "cloning"));
    feed.buffer(line("web-01", "deploy_app", DEPLOY, "deployed v2"));
    Run run = fluke("logs", "agent", "web-01");
    assertEquals(0, run.exit(), run.err());
    assertEquals(
        List.of(
            "[deploy_app/shell \"marker\"] cloning", "[deploy_app/mise \"deploy\"] deployed v2"),
        run.lines());
    awaitNoSubscribers();
  }

  @Test
  void logsWithoutFollowStopsWhereTheServerSaysTheReplayEnds() throws Exception {
    feed.buffer(line("web-01", "deploy_app", MARKER, "before"));
    CompletableFuture<Void> bufferRead = feed.holdRecentOutput();
    Background logs = background("logs", "agent", "web-01");
    feed.awaitSubscribers(1, WAIT);
    // Printed after the server read the buffer: it goes out after the 'replayed' marker, so only -f
    // shows it.
    feed.sendLive(line("web-01", "deploy_app", MARKER, "after"));
    bufferRead.complete(null);
    Run run = logs.join();
    assertEquals(0, run.exit(), run.err());
    assertEquals(List.of("[deploy_app/shell \"marker\"] before"), run.lines());
  }

  @Test
  void followSaysWhenTheServerDroppedUpdatesForIt() throws Exception {
    Background logs = background("logs", "agent", "web-01", "-f");
    feed.awaitSubscribers(1, WAIT);
    feed.publish(line("web-01", "deploy_app", DEPLOY, "first"));
    logs.awaitOut("first");
    feed.publish(LiveUpdate.lost(42));
    feed.publish(line("web-01", "deploy_app", DEPLOY, "after the gap"));
    logs.awaitOut("after the gap");
    Run run = logs.stop();
    assertEquals(0, run.exit(), run.err());
    assertEquals("[deploy_app/mise \"deploy\"] first", run.lines().get(0));
    assertTrue(
        run.lines().get(1).startsWith("!! 42 live update(s) were dropped by the server"),
        run.out());
    assertEquals("[deploy_app/mise \"deploy\"] after the gap", run.lines().get(2));
  }

  @Test
  void logsOfOneTaskAsJsonPrintsOneObjectPerLine() throws Exception {
    feed.buffer(line("web-01", "base_packages", MARKER, "not this"));
    feed.buffer(line("web-01", "deploy_app", DEPLOY, "this"));
    feed.buffer(line("web-01", "deploy_app", DEPLOY, "and \"this\""));
    Run run = fluke("logs", "agent", "web-01", "--task", "deploy_app", "-o", "json");
    assertEquals(0, run.exit(), run.err());
    assertEquals(2, run.lines().size(), run.out());
    JsonNode first = mapper.readTree(run.lines().get(0));
    assertEquals("output", first.get("kind").asText());
    assertEquals("deploy_app", first.get("task").asText());
    assertEquals(DEPLOY, first.get("executor").asText());
    assertEquals("this", first.get("line").asText());
    assertEquals("and \"this\"", mapper.readTree(run.lines().get(1)).get("line").asText());
  }

  @Test
  void logsWithNothingBufferedSaysWhatToDo() throws Exception {
    Run run = fluke("logs", "agent", "web-01");
    assertEquals(0, run.exit(), run.err());
    assertEquals("", run.out());
    assertTrue(
        run.err().startsWith("No apply output of web-01 is buffered on the server"), run.err());
    assertTrue(run.err().contains("use -f"), run.err());
  }

  @Test
  void logsOfAnUnknownAgentFailsBeforeWatching() throws Exception {
    Run run = fluke("logs", "agent", "ghost", "-f");
    assertEquals(1, run.exit());
    assertEquals(
        "error: agent 'ghost' not found: list the agents with 'fluke get agents'\n", run.err());
    assertEquals(0, feed.opened(), "no stream was opened");
  }

  @Test
  void logsFollowEndsWithAnErrorWhenTheServerGoesAway() throws Exception {
    Background logs = background("logs", "agent", "web-01", "-f");
    feed.awaitSubscribers(1, WAIT);
    // the server may count the subscriber before the client has its answer: wait until lines flow
    feed.publish(line("web-01", "deploy_app", DEPLOY, "still here"));
    logs.awaitOut("still here");
    binding.terminate(Duration.ofMillis(100)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    binding = null;
    Run run = logs.join();
    assertEquals(1, run.exit(), run.out());
    assertTrue(
        run.err().startsWith("error: the live stream from " + server + " broke (")
            || run.err()
                .startsWith("error: the Fluke server at " + server + " closed the live stream"),
        run.err());
    assertTrue(
        run.err().endsWith("run the command again\n") || run.err().endsWith("when it is back\n"),
        run.err());
    serve(Set.of(), true);
  }

  @Test
  void logsUsageErrorsExitTwo() throws Exception {
    for (String[] args :
        new String[][] {
          {"logs"},
          {"logs", "agent"},
          {"logs", "task", "deploy_app"},
          {"logs", "agent", "web-01", "--bogus"}
        }) {
      assertEquals(2, fluke(args).exit(), String.join(" ", args));
    }
  }

  @Test
  void reconcileWaitPrintsTheStreamedLinesThenTheStatusesAndKeepsItsExitCode() throws Exception {
    fleet.reconcileOutcome("deploy_app", "failed");
    Background reconcile =
        background("reconcile", "task", "deploy_app", "--wait", "--poll-interval", "10ms");
    reconcile.awaitErr("waiting up to 5m");
    assertTrue(fleet.subscribersAtReconcile >= 1, "subscribed before the reconcile was posted");
    feed.publish(line("web-01", "deploy_app", DEPLOY, "pulling v2"));
    feed.publish(
        line("web-01", "base_packages", MARKER, "another task: not shown for a task reconcile"));
    feed.publish(line("db-01", "deploy_app", DEPLOY, "another agent: not shown"));
    feed.publish(event("apply", "deploy_app", DEPLOY, "failed", 2, "apply exited 2"));
    reconcile.awaitOut("apply: failed");
    fleet.release();

    Run run = reconcile.join();
    assertEquals(1, run.exit(), run.err());
    List<String> lines = run.lines();
    assertEquals("[web-01 deploy_app/mise \"deploy\"] pulling v2", lines.get(0), run.out());
    assertEquals(
        "== web-01 deploy_app/mise \"deploy\" apply: failed (exit 2, 1.2s): apply exited 2",
        lines.get(1));
    assertTrue(lines.get(2).startsWith("AGENT   TASK        STATUS"), run.out());
    assertTrue(
        lines.get(3).matches("web-01\\s+deploy_app\\s+failed\\s+.*apply exited 2"), run.out());
    assertEquals(4, lines.size(), run.out());
    assertTrue(
        run.err().endsWith("error: 1 task(s) failed: web-01/deploy_app failed (apply exited 2)\n"),
        run.err());
    assertFalse(run.err().contains("note:"), run.err());
  }

  @Test
  void reconcileWaitAsJsonKeepsTheStreamedLinesOffStdout() throws Exception {
    Background reconcile =
        background(
            "reconcile", "agent", "web-01", "--wait", "--poll-interval", "10ms", "-o", "json");
    Awaitility.await("the reconcile was posted")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> fleet.lastReconcile() != null);
    feed.publish(line("web-01", "deploy_app", DEPLOY, "deploying"));
    reconcile.awaitErr("deploying");
    fleet.release();

    Run run = reconcile.join();
    assertEquals(0, run.exit(), run.err());
    JsonNode json = mapper.readTree(run.out());
    assertEquals("web-01", json.at("/reconcile/agents/0").asText());
    assertEquals("web-01", json.at("/agents/0/agent/name").asText());
    assertEquals("[web-01 deploy_app/mise \"deploy\"] deploying\n", run.err());
  }

  @Test
  void reconcileWaitStillWaitsWhenTheServerHasNoStream() throws Exception {
    serve(Set.of(), false);
    fleet.release();
    Run run = fluke("reconcile", "agent", "web-01", "--wait", "--poll-interval", "10ms");
    assertEquals(0, run.exit(), run.err());
    List<String> err = run.err().lines().toList();
    assertTrue(err.get(0).startsWith("Reconcile started on web-01; waiting up to 5m"), run.err());
    assertTrue(err.get(1).startsWith("note: no live output ("), run.err());
    assertTrue(
        err.get(1).contains("this server has no live stream (GET /api/v1/stream)"), run.err());
    assertTrue(run.out().startsWith("AGENT "), run.out());
  }

  @Test
  void theTokenIsSentOnTheStream() throws Exception {
    serve(Set.of("t0ken"), true);
    feed.buffer(line("web-01", "deploy_app", MARKER, "secret work"));
    Run run =
        new Background(
                Map.of("FLUKE_SERVER", server, "FLUKE_API_TOKEN", "t0ken"),
                "logs",
                "agent",
                "web-01")
            .join();
    assertEquals(0, run.exit(), run.err());
    assertEquals(List.of("[deploy_app/shell \"marker\"] secret work"), run.lines());
    int opened = feed.opened();

    ApiClientException missing =
        assertThrows(
            ApiClientException.class,
            () -> new ApiClient(server, null, WAIT).stream("web-01", List.of("output")));
    assertEquals(401, missing.status());
    assertTrue(
        missing.getMessage().contains("needs an API token: pass --token or set FLUKE_API_TOKEN"),
        missing.getMessage());
    ApiClientException wrong =
        assertThrows(
            ApiClientException.class,
            () -> new ApiClient(server, "nope", WAIT).stream("web-01", List.of("output")));
    assertEquals(401, wrong.status());
    assertTrue(wrong.getMessage().contains("rejected the API token"), wrong.getMessage());
    assertEquals(opened, feed.opened(), "refused viewers never subscribe");
  }

  @Test
  void theClientDeliversUpdatesInOrderAndClosingEndsTheSubscription() throws Exception {
    ApiClient client = new ApiClient(server, null, WAIT);
    List<String> seen = new ArrayList<>();
    try (LiveStream stream = client.stream(null, List.of("output", "agent"))) {
      assertNotNull(stream.openedAt());
      feed.awaitSubscribers(1, WAIT);
      for (int i = 0; i < 50; i++) {
        feed.publish(line(i % 2 == 0 ? "web-01" : "db-01", "deploy_app", MARKER, "line " + i));
      }
      feed.publish(event("apply", "deploy_app", MARKER, "applied", 0, "not a kind asked for"));
      feed.publish(LiveUpdate.agentChanged("web-01"));
      while (seen.size() < 51) {
        ApiClient.Reply<LiveUpdate> reply = stream.next(WAIT);
        assertNotNull(reply, "an update within " + WAIT + " after " + seen);
        if (reply.value().isMarker()) {
          assertEquals("replayed", reply.value().kind(), "nothing was lost");
          assertTrue(seen.isEmpty(), "'replayed' comes first");
          continue;
        }
        seen.add(
            reply.value().kind().equals("agent")
                ? "agent " + reply.value().agent()
                : reply.value().line());
        assertEquals(reply.value().kind(), mapper.readTree(reply.json()).get("kind").asText());
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      expected.add("line " + i);
    }
    expected.add("agent web-01");
    assertEquals(expected, seen);
    awaitNoSubscribers();
  }

  @Test
  void anUnreachableServerIsExplainedForTheStreamToo() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ApiClientException e =
        assertThrows(
            ApiClientException.class,
            () ->
                new ApiClient("http://127.0.0.1:" + port, null, WAIT)
                    .stream(null, List.of("output")));
    assertEquals(0, e.status());
    assertTrue(
        e.getMessage()
            .startsWith(
                "cannot reach the Fluke server at http://127.0.0.1:"
                    + port
                    + " (connection refused)"),
        e.getMessage());
  }

  /**
   * Waits (bounded) until the server has dropped every subscription: the client closed its
   * connection.
   */
  private void awaitNoSubscribers() {
    Awaitility.await("the server stops streaming to a viewer that left")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> feed.subscribers() == 0);
  }
}

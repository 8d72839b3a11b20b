package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.await;
import static dev.fluke.server.ServerFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.events.Event;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconcile cycle of one agent (SPEC §4), driven end to end: manifests from a fake Git, the
 * agent played through the {@link AgentGateway} flow, alerts received by a real HTTP server, time
 * by hand.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcileCycleTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web", "env", "prod");

  @TempDir Path dir;
  private TestTime time;
  private WebhookReceiver webhook;
  private ServerFixture fx;

  @BeforeEach
  void setUp() throws Exception {
    time = TestTime.of(testKit.system());
    webhook = new WebhookReceiver();
  }

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
    webhook.close();
  }

  private ServerFixture start(String... lines) {
    return start(ServerFixture.settings(dir, webhook.uri()), lines);
  }

  private ServerFixture start(ServerSettings settings, String... lines) {
    fx = new ServerFixture(testKit, settings, lines);
    fx.awaitInForce("c1");
    return fx;
  }

  /**
   * Settings with other server-side timeouts (the agent's interval slot must not fall inside them).
   */
  private ServerSettings timeouts(Duration check, Duration apply) {
    ServerSettings s = ServerFixture.settings(dir, webhook.uri());
    ServerSettings.Reconcile r = s.reconcile();
    return s.withReconcile(
        new ServerSettings.Reconcile(
            r.interval(),
            r.defaultPolicy(),
            check,
            apply,
            r.retryBackoffMin(),
            r.retryBackoffMax()));
  }

  @Test
  void driftedRemediateTaskIsApplied() {
    start(task("app", "remediate", "shell:marker", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);

    ServerMessage.CheckRequest check = agent.expectCheck("app");
    agent.reportCheck(check, Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    assertEquals(check.cycleId(), apply.cycleId());
    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip();

    Dto.TaskStatus status = fx.status("web-01", "app");
    assertEquals(Status.SATISFIED, status.status());
    assertNotNull(status.lastAppliedAt());
    List<String> outcomes =
        fx.events("web-01").stream()
            .filter(e -> e.task().equals("app"))
            .map(e -> e.kind() + ":" + e.outcome())
            .toList();
    // newest first: the apply result's check, apply and verify after the cycle's check
    assertEquals(
        List.of("verify:satisfied", "apply:applied", "check:drifted", "check:drifted"), outcomes);
    assertEquals("shell \"marker\"", fx.events("web-01").get(0).executor());
  }

  @Test
  void alertOnlyTaskIsNotApplied() throws Exception {
    start(task("cert", "alert_only", "shell:rotate", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);

    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.DRIFTED));
    agent.roundTrip(); // the heartbeat answer comes next: no ApplyRequest was sent

    JsonNode alert = webhook.next();
    assertEquals("drift_detected", alert.get("event").asText());
    assertEquals("web-01", alert.at("/agent/name").asText());
    assertEquals("web", alert.at("/agent/labels/role").asText());
    assertEquals("cert", alert.get("task").asText());
    assertEquals("alert_only", alert.get("policy").asText());
    assertEquals("not_remediated", alert.get("remediation_status").asText());
    assertFalse(alert.get("timestamp").asText().isEmpty());

    Dto.TaskStatus status = fx.status("web-01", "cert");
    assertEquals(Status.DRIFTED, status.status());
    assertTrue(status.alerted());
    eventually(
        () -> fx.events("web-01"),
        ev -> ev.stream().anyMatch(e -> e.kind().equals("alert") && e.outcome().equals("sent")));
  }

  @Test
  void manualReconcileAppliesAlertOnlyTask() {
    start(task("cert", "alert_only", "shell:rotate", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.DRIFTED));
    agent.roundTrip();

    Dto.ReconcileAccepted accepted = await(fx.api.reconcile(Dto.ReconcileTarget.task("cert")));
    assertTrue(accepted.accepted());
    assertEquals(List.of("web-01"), accepted.agents());

    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("cert"), Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "cert").status());
  }

  @Test
  void remediateAndAlertPostsDriftRemediated() throws Exception {
    start(task("app", "remediate_and_alert", "mise:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("app"), Outcome.APPLIED, Outcome.SATISFIED);

    JsonNode alert = webhook.next();
    assertEquals("drift_remediated", alert.get("event").asText());
    assertEquals("web-01", alert.at("/agent/name").asText());
    assertEquals("app", alert.get("task").asText());
    assertEquals("applied", alert.get("outcome").asText());
  }

  @Test
  void alertFiresOncePerDriftEpisode() throws Exception {
    start(task("cert", "alert_only", "shell:rotate", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.DRIFTED));
    assertEquals("drift_detected", webhook.next().get("event").asText());

    // Still drifted in the next cycles (new commits trigger them): same episode, no new alert.
    fx.commit("c2", task("cert", "alert_only", "shell:rotate", "role=web"), "# c2\n");
    fx.server.fetchNow();
    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.DRIFTED));
    agent.roundTrip();
    // Seen satisfied: the episode ends. Drifted again: a new episode, a new alert.
    fx.commit("c3", task("cert", "alert_only", "shell:rotate", "role=web"), "# c3\n");
    fx.server.fetchNow();
    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.SATISFIED));
    agent.roundTrip();
    assertFalse(fx.status("web-01", "cert").alerted());
    fx.commit("c4", task("cert", "alert_only", "shell:rotate", "role=web"), "# c4\n");
    fx.server.fetchNow();
    agent.reportCheck(agent.expectCheck("cert"), Map.of("cert", Outcome.DRIFTED));

    assertEquals("drift_detected", webhook.next().get("event").asText());
    assertEquals(2, webhook.received().size(), "one alert per episode: " + webhook.received());
  }

  @Test
  void checkErrorIsNeverAppliedAndIsRetriedWithBackoff() {
    start(task("app", "remediate", "mise:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.ERROR));
    agent.roundTrip(); // no ApplyRequest for an execution error
    Dto.TaskStatus status = fx.status("web-01", "app");
    assertEquals(Status.ERROR, status.status());
    assertTrue(status.message().contains("could not run"), status.message());

    time.timePasses(Duration.ofSeconds(15)); // first retry after 15 s
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.ERROR));
    agent.roundTrip();
    time.timePasses(Duration.ofSeconds(29)); // the second waits 30 s
    agent.roundTrip();
    time.timePasses(Duration.ofSeconds(1));
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "app").status());
    time.timePasses(Duration.ofMinutes(2)); // healthy again: no more retries
    agent.roundTrip();
  }

  @Test
  void failedApplyIsRetriedWithBackoff() {
    start(task("app", "remediate", "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("app"), Outcome.FAILED, null);
    agent.roundTrip();
    assertEquals(Status.FAILED, fx.status("web-01", "app").status());

    time.timePasses(Duration.ofSeconds(15));
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("app"), Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "app").status());
  }

  @Test
  void checkStillDriftedAfterSuccessfulApplyIsReportedAsFailed() {
    start(task("app", "remediate", "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("app"), Outcome.APPLIED, Outcome.DRIFTED);
    agent.roundTrip();

    Dto.TaskStatus status = fx.status("web-01", "app");
    assertEquals(Status.FAILED, status.status());
    assertEquals(
        "check still fails after a successful apply: the task's check or apply is wrong",
        status.message());
    Dto.DriftEntry drift = await(fx.api.drift()).get(0);
    assertEquals(Status.FAILED, drift.status());
    assertEquals(status.message(), drift.message());
  }

  @Test
  void triggersDuringACycleCoalesceIntoOneManualFollowUp() {
    start(
        timeouts(ServerFixture.INTERVAL, ServerFixture.INTERVAL),
        task("cert", "alert_only", "shell:rotate", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest first = agent.expectCheck("cert");

    // While the first cycle is in flight: the interval elapses, and two manual reconciles arrive.
    time.timePasses(ServerSettings.Reconcile.slotOf("web-01", ServerFixture.INTERVAL));
    assertTrue(await(fx.api.reconcile(Dto.ReconcileTarget.agent("web-01"))).accepted());
    assertTrue(await(fx.api.reconcile(Dto.ReconcileTarget.task("cert"))).accepted());

    agent.reportCheck(first, Map.of("cert", Outcome.SATISFIED));
    ServerMessage.CheckRequest followUp = agent.expectCheck("cert");
    assertTrue(followUp.cycleId() > first.cycleId());
    // The follow-up is manual, so the alert_only task is applied.
    agent.reportCheck(followUp, Map.of("cert", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("cert"), Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip(); // and there is no third cycle
  }

  @Test
  void resultsOfAStaleCycleAreIgnored() {
    start(task("app", "remediate", "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest first = agent.expectCheck("app");
    time.timePasses(Duration.ofMinutes(10)); // check timeout
    assertEquals(first.cycleId(), agent.expect(ServerMessage.Cancel.class).cycleId());
    time.timePasses(Duration.ofSeconds(15)); // retry
    ServerMessage.CheckRequest second = agent.expectCheck("app");

    agent.reportCheck(first, Map.of("app", Outcome.DRIFTED)); // too late: ignored, no apply
    agent.roundTrip();
    agent.reportCheck(second, Map.of("app", Outcome.SATISFIED));
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "app").status());
  }

  @Test
  void checkTimeoutSendsCancelRecordsAnErrorAndRetries() {
    start(task("app", "remediate", "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest check = agent.expectCheck("app");
    agent.roundTrip();
    time.timePasses(Duration.ofMinutes(10));
    assertEquals(check.cycleId(), agent.expect(ServerMessage.Cancel.class).cycleId());
    agent.roundTrip();
    Dto.TaskStatus status = fx.status("web-01", "app");
    assertEquals(Status.ERROR, status.status());
    assertTrue(status.message().startsWith("no CheckReport within"), status.message());
    assertTrue(
        fx.events("web-01").stream()
            .anyMatch(
                e ->
                    e.kind().equals("check")
                        && e.outcome().equals("error")
                        && e.message().startsWith("no CheckReport within")));
    time.timePasses(Duration.ofSeconds(15));
    agent.expectCheck("app");
  }

  @Test
  void applyTimeoutSendsCancelAndDropsTheRestOfTheCycle() {
    start(
        timeouts(Duration.ofMinutes(10), Duration.ofMinutes(20)),
        task("a", null, "shell:one", "role=web"),
        task("b", null, "shell:two", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(
        agent.expectCheck("a", "b"), Map.of("a", Outcome.DRIFTED, "b", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("a");
    agent.send(new AgentMessage.ApplyOutput(apply.cycleId(), "a", "shell \"one\"", "working..."));
    agent.roundTrip();
    time.timePasses(Duration.ofMinutes(20));
    assertEquals(apply.cycleId(), agent.expect(ServerMessage.Cancel.class).cycleId());
    agent.roundTrip(); // b is not applied while a may still be running
    assertEquals(Status.ERROR, fx.status("web-01", "a").status());
    assertEquals(Status.DRIFTED, fx.status("web-01", "b").status());
    Event timeout =
        fx.events("web-01").stream()
            .filter(e -> e.kind().equals("apply"))
            .findFirst()
            .orElseThrow();
    assertEquals("error", timeout.outcome());
    assertEquals("working...", timeout.output());
  }

  @Test
  void appliesAreSentOneAtATimeInDeclarationOrder() {
    start(
        task("first", null, "shell:a", "role=web"),
        task("other", null, "shell:x", "role=db"),
        task("second", null, "mise:b", "role=web"),
        task("third", null, "systemd:c", "env=prod"));
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest check = agent.expectCheck("first", "second", "third");
    agent.reportCheck(
        check,
        Map.of("first", Outcome.DRIFTED, "second", Outcome.DRIFTED, "third", Outcome.DRIFTED));
    for (String task : List.of("first", "second", "third")) {
      ServerMessage.ApplyRequest apply = agent.expectApply(task);
      agent.roundTrip(); // nothing else is sent while this apply runs
      assertEquals(Status.APPLYING, fx.status("web-01", task).status());
      agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    }
    agent.roundTrip();
    assertEquals(
        List.of(Status.SATISFIED, Status.SATISFIED, Status.SATISFIED),
        fx.agent("web-01").tasks().stream().map(Dto.TaskStatus::status).toList());
  }

  @Test
  void runningApplyShowsItsLastOutputLines() {
    start(task("app", null, "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    for (int i = 1; i <= 7; i++) {
      agent.send(
          new AgentMessage.ApplyOutput(apply.cycleId(), "app", "shell \"deploy\"", "line " + i));
    }
    agent.roundTrip();
    Dto.ExecutorStatus live = fx.status("web-01", "app").executors().get(0);
    assertEquals(Status.APPLYING, live.status());
    assertEquals(
        "line 3\nline 4\nline 5\nline 6\nline 7", live.output()); // the last 5 (output-lines)
  }

  @Test
  void lateApplyResultFromAnEarlierConnectionIsRecorded() {
    start(task("app", null, "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest check = agent.expectCheck("app");
    agent.reportCheck(check, Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    agent.reportApply(apply, Outcome.FAILED, null);
    agent.roundTrip();
    assertEquals(Status.FAILED, fx.status("web-01", "app").status());

    AgentMessage.TaskOutcome done =
        TestAgent.applied(apply.task(), Outcome.APPLIED, Outcome.SATISFIED);
    agent.send(new AgentMessage.ApplyResult(7, done, true));
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "app").status());
    Event verify = fx.events("web-01").get(0);
    assertEquals("verify", verify.kind());
    assertTrue(verify.message().startsWith("late"), verify.message());
  }

  @Test
  void everyApplyResultIsAcknowledgedAndOneResentAfterAReconnectIsRecordedOnce() {
    start(task("app", null, "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip();
    assertEquals(List.of(new ServerMessage.ApplyResultAck(apply.cycleId(), "app")), agent.acks());
    int recorded = fx.events("web-01").size();

    // the ack was lost with the connection: the agent re-sends the result, late, on its next
    // connection
    agent.in.sendComplete();
    ServerFixture.eventually(
        () -> ServerFixture.await(fx.api.agent("web-01")).orElseThrow().agent(),
        a -> !a.connected());
    TestAgent again = fx.connect("web-01", WEB);
    again.expectCheck("app"); // the reconnect's own cycle
    again.send(
        new AgentMessage.ApplyResult(
            apply.cycleId(),
            TestAgent.applied(apply.task(), Outcome.APPLIED, Outcome.SATISFIED),
            true));
    again.roundTrip();
    assertEquals(
        List.of(new ServerMessage.ApplyResultAck(apply.cycleId(), "app")),
        again.acks(),
        "a duplicate is acknowledged again");
    long applyEvents = fx.events("web-01").stream().filter(e -> e.kind().equals("apply")).count();
    assertEquals(1, applyEvents, "a duplicate is not recorded twice: " + fx.events("web-01"));
    assertTrue(fx.events("web-01").size() >= recorded);
  }

  @Test
  void fleetQuestionsAreAnsweredFromTheTasksAndSessions() {
    start(
        task("app", null, "shell:deploy,mise:web", "role=web"),
        task("db", "alert_only", "shell:pg", "role=db"));
    TestAgent web = fx.connect("web-01", WEB);
    TestAgent db = fx.connect("db-01", Map.of("role", "db"));
    web.reportCheck(web.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    db.reportCheck(db.expectCheck("db"), Map.of("db", Outcome.DRIFTED));
    web.roundTrip();
    db.roundTrip();

    List<Dto.TaskSummary> tasks = await(fx.api.tasks());
    assertEquals(List.of("app", "db"), tasks.stream().map(Dto.TaskSummary::name).toList());
    assertEquals(List.of("shell \"deploy\"", "mise \"web\""), tasks.get(0).executors());
    assertEquals(1, tasks.get(0).counts().satisfied());
    assertEquals("alert_only", tasks.get(1).policy());
    assertEquals(1, tasks.get(1).counts().drifted());

    List<Dto.DriftEntry> drift = await(fx.api.drift());
    assertEquals(1, drift.size());
    assertEquals("db-01", drift.get(0).agent());
    assertEquals(Status.DRIFTED, drift.get(0).status());
    assertNotNull(drift.get(0).since());

    Dto.TaskDetail detail = await(fx.api.task("app")).orElseThrow();
    assertEquals(2, detail.executors().size());
    assertEquals("web-01", detail.agents().get(0).agent());
    assertTrue(await(fx.api.task("nope")).isEmpty());

    List<Dto.AgentSummary> agents = await(fx.api.agents());
    assertEquals(List.of("db-01", "web-01"), agents.stream().map(Dto.AgentSummary::name).toList());
    Dto.AgentDetail webDetail = fx.agent("web-01");
    assertEquals(1, webDetail.agent().counts().satisfied());
    assertFalse(webDetail.recentEvents().isEmpty());

    assertFalse(await(fx.api.reconcile(Dto.ReconcileTarget.task("nope"))).accepted());
    assertFalse(await(fx.api.reconcile(Dto.ReconcileTarget.agent("nope"))).accepted());
    Dto.ReconcileAccepted all = await(fx.api.reconcile(Dto.ReconcileTarget.ALL));
    assertEquals(List.of("db-01", "web-01"), all.agents());
    web.expectCheck("app");
    db.expectCheck("db");
  }

  @Test
  void aNewCommitRollsOutToTheFleetAtTheConfiguredRate() {
    start(
        ServerFixture.settings(dir, webhook.uri()).withRollout(new ServerSettings.Rollout(1, 1.0)),
        task("app", null, "shell:deploy", "role=web"));
    List<TestAgent> agents = new ArrayList<>();
    for (String name : List.of("web-03", "web-01", "web-02")) {
      TestAgent agent = fx.connect(name, WEB);
      agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
      agent.roundTrip();
      agents.add(agent);
    }
    TestAgent web01 = agents.get(1);
    TestAgent web02 = agents.get(2);
    TestAgent web03 = agents.get(0);

    fx.commit("c2", task("app", null, "shell:deploy-v2", "role=web"));
    fx.server.fetchNow();
    web01.expectCheck("app"); // first by name: at once
    web02.roundTrip(); // nothing for the others yet
    web03.roundTrip();
    assertEquals(
        "deploy-v2",
        fx.agent("web-03").tasks().get(0).executors().get(0).name(),
        "the tasks are rematched at once; only the cycle waits for its slot");
    time.timePasses(Duration.ofSeconds(1));
    web02.expectCheck("app");
    web03.roundTrip();
    time.timePasses(Duration.ofSeconds(1));
    web03.expectCheck("app");
  }

  @Test
  void aFullCycleBeforeTheRolloutSlotMakesTheSlotsCycleUnnecessary() {
    start(
        ServerFixture.settings(dir, webhook.uri()).withRollout(new ServerSettings.Rollout(0, 1.0)),
        task("app", null, "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    agent.roundTrip();

    fx.commit("c2", task("app", null, "shell:deploy-v2", "role=web"));
    fx.server.fetchNow();
    // The session has the new state (and its slot timer) once its detail shows the new executor.
    ServerFixture.eventually(
        () -> fx.agent("web-01").tasks().get(0).executors().get(0).name(), "deploy-v2"::equals);
    agent.roundTrip(); // its slot is 1 s away
    assertTrue(await(fx.api.reconcile(Dto.ReconcileTarget.agent("web-01"))).accepted());
    agent.reportCheck(
        agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED)); // checks c2 already
    agent.roundTrip();
    time.timePasses(Duration.ofSeconds(2));
    agent.roundTrip(); // no second cycle for the same commit
  }

  @Test
  void newCommitRematchesTasksAndStartsACycle() {
    start(task("app", null, "shell:deploy", "role=web"));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    agent.roundTrip();

    fx.commit(
        "c2",
        task("app", null, "shell:deploy", "role=db"),
        task("extra", null, "shell:x", "env=prod"));
    fx.server.fetchNow();
    agent.reportCheck(agent.expectCheck("extra"), Map.of("extra", Outcome.SATISFIED));
    agent.roundTrip();
    assertEquals(
        List.of("extra"), fx.agent("web-01").tasks().stream().map(Dto.TaskStatus::task).toList());
    Dto.TaskDetail app = await(fx.api.task("app")).orElseThrow();
    assertTrue(app.agents().isEmpty(), "web-01 no longer matches app: " + app.agents());
  }
}

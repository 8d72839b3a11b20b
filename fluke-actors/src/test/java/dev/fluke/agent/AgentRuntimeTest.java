package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.ScriptedConnector.Link;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.Done;
import dev.fluke.agent.actor.LoggingTestKit;
import dev.fluke.agent.actor.ManualTime;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyOutput;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.ServerMessage.ApplyRequest;
import dev.fluke.protocol.ServerMessage.Cancel;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import dev.fluke.protocol.ServerMessage.Registered;
import dev.fluke.protocol.ServerMessage.Rejected;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent runtime end to end against a server the test plays ({@link ScriptedConnector}), with
 * scripted executors ({@link Script}). Time is manual: reconnect backoffs, heartbeats, the register
 * timeout and the stop grace pass when the test moves the clock, never by waiting.
 */
class AgentRuntimeTest {

  static final ManualTime time = new ManualTime();
  static final ActorTestKit testKit = ActorTestKit.create(time);

  /** Longer than the first reconnect backoff (1s, +20% at most). */
  static final Duration BACKOFF = Duration.ofMillis(1200);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;
  private Script script;
  private ScriptedConnector server;
  private AgentRuntime agent;

  @BeforeEach
  void setUp() {
    script = new Script();
    server = new ScriptedConnector();
  }

  @AfterEach
  void stopAgent() throws Exception {
    if (agent != null) {
      agent.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static AgentSettings settings(String config) {
    Config c = ConfigFactory.parseString(config).withFallback(ConfigFactory.load());
    return AgentSettings.create(c)
        .withName("web-01")
        .withLabels(Map.of("role", "web", "env", "test"))
        .withVersion("1.2.3");
  }

  private Link start(String config) throws InterruptedException {
    return start(settings(config));
  }

  private Link start(AgentSettings settings) throws InterruptedException {
    agent =
        AgentRuntime.start(testKit.system(), settings, server, script.executors("shell", "mise"));
    return server.nextLink();
  }

  /** The agent's next connection, once the reconnect backoff has passed. */
  private Link reconnected() throws InterruptedException {
    return server.nextLink(time, BACKOFF).link();
  }

  private Link startRegistered() throws InterruptedException {
    Link link = start("");
    link.register();
    return link;
  }

  @Test
  void registersFirstWithItsNameLabelsVersionAndExecutorTypes() throws Exception {
    Link link = start("");

    AgentMessage first = link.next();

    Register r = assertInstanceOf(Register.class, first);
    assertEquals("web-01", r.name());
    assertEquals(Map.of("role", "web", "env", "test"), r.labels());
    assertEquals("1.2.3", r.version());
    assertEquals(List.of("mise", "shell"), r.executors());
  }

  @Test
  void checkReportHasEveryExecutorOfEveryTaskInOrderAndAppliesNothing() throws Exception {
    Link link = startRegistered();
    TaskSpec t1 =
        task(
            "t1",
            block("shell", "a", "check", "satisfied"),
            block("mise", "b", "check", "drifted"));
    TaskSpec t2 = task("t2", block("shell", "c", "check", "error"));

    link.send(new CheckRequest(7, List.of(t1, t2)));
    CheckReport report = link.next(CheckReport.class);

    assertEquals(7, report.cycleId());
    assertEquals(
        List.of("t1", "t2"), report.tasks().stream().map(AgentMessage.TaskOutcome::task).toList());
    List<ExecutorOutcome> b1 = report.tasks().get(0).executors();
    assertEquals(List.of("a", "b"), b1.stream().map(ExecutorOutcome::executor).toList());
    assertEquals(List.of("shell", "mise"), b1.stream().map(ExecutorOutcome::type).toList());
    assertEquals(Outcome.SATISFIED, b1.get(0).check().outcome());
    assertEquals(Outcome.DRIFTED, b1.get(1).check().outcome());
    assertEquals(Phase.CHECK, b1.get(1).check().phase());
    assertNull(b1.get(1).apply());
    assertNull(b1.get(1).verify());
    assertEquals(Outcome.ERROR, report.tasks().get(1).executors().get(0).check().outcome());
    // each check ran once; checks may run a few at a time (check_concurrency), so in any order:
    // the report above is what keeps the manifest's order
    assertEquals(
        List.of("mise:b:check", "shell:a:check", "shell:c:check"),
        script.journal().stream().sorted().toList());
  }

  @Test
  void applyRunsBlocksInDeclarationOrderAcrossTypesAndStreamsTheirOutput() throws Exception {
    Link link = startRegistered();
    TaskSpec deploy =
        task(
            "deploy",
            block("shell", "pre", "check", "drifted,satisfied", "lines", "2"),
            block("mise", "app", "check", "satisfied"),
            block("shell", "post", "check", "drifted,satisfied", "lines", "1"));

    link.send(new ApplyRequest(3, deploy));
    List<ApplyOutput> output = new ArrayList<>();
    AgentMessage m = link.next();
    while (!(m instanceof ApplyResult)) {
      output.add(assertInstanceOf(ApplyOutput.class, m));
      m = link.next();
    }
    ApplyResult result = (ApplyResult) m;

    assertEquals(
        List.of("shell:pre line 1", "shell:pre line 2", "shell:post line 1"),
        output.stream().map(ApplyOutput::line).toList());
    assertEquals(
        List.of("pre", "pre", "post"), output.stream().map(ApplyOutput::executor).toList());
    assertTrue(output.stream().allMatch(o -> o.cycleId() == 3 && o.task().equals("deploy")));
    assertEquals(3, result.cycleId());
    assertFalse(result.late());
    List<ExecutorOutcome> blocks = result.task().executors();
    assertApplied(blocks.get(0));
    assertEquals(Outcome.SATISFIED, blocks.get(1).check().outcome());
    assertNull(blocks.get(1).apply());
    assertNull(blocks.get(1).verify());
    assertApplied(blocks.get(2));
    assertEquals(
        List.of(
            "shell:pre:check",
            "shell:pre:apply",
            "shell:pre:applied",
            "shell:pre:check",
            "mise:app:check",
            "shell:post:check",
            "shell:post:apply",
            "shell:post:applied",
            "shell:post:check"),
        script.journal());
  }

  private static void assertApplied(ExecutorOutcome o) {
    assertEquals(Outcome.DRIFTED, o.check().outcome());
    assertEquals(Outcome.APPLIED, o.apply().outcome());
    assertEquals(Phase.APPLY, o.apply().phase());
    assertEquals(Outcome.SATISFIED, o.verify().outcome());
    assertEquals(Phase.VERIFY, o.verify().phase());
  }

  @Test
  void failedBlockWithAbortSkipsTheRestOfTheTask() throws Exception {
    Link link = startRegistered();
    TaskSpec t =
        task(
            "t",
            block("shell", "a", OnFailure.ABORT, "check", "drifted", "apply", "failed"),
            block("mise", "b", "check", "drifted"));

    link.send(new ApplyRequest(1, t));
    ApplyResult result = link.next(ApplyResult.class);

    ExecutorOutcome a = result.task().executors().get(0);
    assertEquals(Outcome.FAILED, a.apply().outcome());
    assertNull(a.verify());
    ExecutorOutcome b = result.task().executors().get(1);
    assertEquals(Outcome.SKIPPED, b.check().outcome());
    assertTrue(b.check().message().contains("shell \"a\""), b.check().message());
    assertNull(b.apply());
    assertFalse(script.journal().stream().anyMatch(s -> s.startsWith("mise:b")));
  }

  @Test
  void failedBlockWithContinueGoesOnWithTheNextBlock() throws Exception {
    Link link = startRegistered();
    TaskSpec t =
        task(
            "t",
            block("shell", "a", OnFailure.CONTINUE, "check", "drifted", "apply", "error"),
            block("mise", "b", "check", "drifted,satisfied"));

    link.send(new ApplyRequest(1, t));
    ApplyResult result = link.next(ApplyResult.class);

    assertEquals(Outcome.ERROR, result.task().executors().get(0).apply().outcome());
    assertApplied(result.task().executors().get(1));
  }

  @Test
  void checkErrorIsNeverAppliedAndCountsAsAFailure() throws Exception {
    Link link = startRegistered();
    TaskSpec t =
        task(
            "t",
            block("shell", "a", OnFailure.CONTINUE, "check", "error"),
            block("mise", "b", OnFailure.ABORT, "check", "error"),
            block("shell", "c", "check", "drifted"));

    link.send(new ApplyRequest(1, t));
    ApplyResult result = link.next(ApplyResult.class);

    List<ExecutorOutcome> blocks = result.task().executors();
    assertEquals(Outcome.ERROR, blocks.get(0).check().outcome());
    assertNull(blocks.get(0).apply());
    assertEquals(Outcome.ERROR, blocks.get(1).check().outcome());
    assertNull(blocks.get(1).apply());
    assertEquals(Outcome.SKIPPED, blocks.get(2).check().outcome());
    assertEquals(List.of("shell:a:check", "mise:b:check"), script.journal());
  }

  @Test
  void verifyThatIsStillDriftedIsReportedAndFailsTheBlock() throws Exception {
    Link link = startRegistered();
    TaskSpec t = task("t", block("shell", "a", "check", "drifted"), block("mise", "b"));

    link.send(new ApplyRequest(1, t));
    ApplyResult result = link.next(ApplyResult.class);

    ExecutorOutcome a = result.task().executors().get(0);
    assertEquals(Outcome.APPLIED, a.apply().outcome());
    assertEquals(Outcome.DRIFTED, a.verify().outcome());
    assertEquals(Phase.VERIFY, a.verify().phase());
    assertEquals(Outcome.SKIPPED, result.task().executors().get(1).check().outcome());
  }

  @Test
  void requestsWaitForTheRunningOneAndRunInArrivalOrder() throws Exception {
    Link link = startRegistered();
    link.send(
        new ApplyRequest(
            1, task("slow", block("shell", "slow", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    link.send(new CheckRequest(2, List.of(task("next", block("mise", "x")))));
    // The worker gets requests in the order the server sent them: once it has logged this cancel,
    // the
    // check above is waiting in its queue.
    LoggingTestKit.info("Cycle 99 cancelled")
        .expect(
            testKit.system(),
            () -> {
              link.send(new Cancel(99));
              return null;
            });

    assertFalse(script.journal().contains("mise:x:check"));
    script.gate("g").open();
    ApplyResult first = link.next(ApplyResult.class);
    CheckReport second = link.next(CheckReport.class);

    assertEquals(1, first.cycleId());
    assertEquals(2, second.cycleId());
    assertEquals(1, script.maxInFlight());
    assertEquals(
        List.of(
            "shell:slow:check",
            "shell:slow:apply",
            "shell:slow:applied",
            "shell:slow:check",
            "mise:x:check"),
        script.journal());
  }

  @Test
  void requestsBeyondTheQueueAreAnsweredAtOnceWithErrors() throws Exception {
    Link link = start("fluke.agent.max-queued-requests = 1");
    link.register();
    link.send(
        new ApplyRequest(
            1, task("slow", block("shell", "slow", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    link.send(new CheckRequest(2, List.of(task("queued", block("mise", "q")))));
    link.send(new CheckRequest(3, List.of(task("refused", block("mise", "r")))));

    CheckReport refused = link.next(CheckReport.class);
    assertEquals(3, refused.cycleId());
    ExecutorOutcome r = refused.tasks().get(0).executors().get(0);
    assertEquals(Outcome.ERROR, r.check().outcome());
    assertTrue(r.check().message().contains("queue is full"), r.check().message());

    script.gate("g").open();
    assertEquals(1, link.next(ApplyResult.class).cycleId());
    assertEquals(2, link.next(CheckReport.class).cycleId());
    assertFalse(script.journal().contains("mise:r:check"));
  }

  @Test
  void cancelStopsTheRunningApplyAndDropsQueuedWorkOfThatCycle() throws Exception {
    Link link = startRegistered();
    link.send(new ApplyRequest(5, task("a", block("shell", "a", "check", "drifted", "gate", "g"))));
    script.gate("g").awaitEntered();
    link.send(new CheckRequest(5, List.of(task("q", block("mise", "q")))));
    link.send(new CheckRequest(6, List.of(task("r", block("mise", "r")))));

    link.send(new Cancel(5));
    ApplyResult cancelled = link.next(ApplyResult.class);
    CheckReport other = link.next(CheckReport.class);

    assertEquals(5, cancelled.cycleId());
    ExecutorOutcome a = cancelled.task().executors().get(0);
    assertEquals(Outcome.ERROR, a.apply().outcome());
    assertEquals("cancelled", a.apply().message());
    assertNull(a.verify());
    assertEquals(6, other.cycleId());
    assertTrue(script.journal().contains("shell:a:cancelled"));
    assertFalse(script.journal().contains("mise:q:check"));
  }

  @Test
  void reconnectsOnlyOnceTheBackoffHasPassedAfterAFailedAttempt() throws Exception {
    server.failNext(1);
    agent =
        AgentRuntime.start(
            testKit.system(), settings(""), server, script.executors("shell", "mise"));
    eventually(() -> server.attempts() == 1);

    // No time passes: no second attempt, however long the test waits.
    Thread.sleep(200);
    assertEquals(1, server.attempts());
    ScriptedConnector.Reconnected second = server.nextLink(time, BACKOFF);

    assertTrue(second.steps() >= 1, "it took manual time to reconnect");
    assertEquals(2, server.attempts());
    second.link().next(Register.class);
  }

  @Test
  void registersAgainAfterTheConnectionDrops() throws Exception {
    Link first = startRegistered();
    first.drop();

    Link second = reconnected();

    assertEquals("web-01", second.next(Register.class).name());
  }

  @Test
  void applyThatFinishesWhileDisconnectedIsReportedLateOnceRegisteredAgain() throws Exception {
    Link first = startRegistered();
    first.send(
        new ApplyRequest(
            8, task("a", block("shell", "a", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    first.drop();
    Link second = reconnected();
    second.next(Register.class);

    script.gate("g").open();
    eventually(() -> script.journal().stream().filter(s -> s.equals("shell:a:check")).count() == 2);
    second.send(new Registered("test-server", 3_600_000));
    ApplyResult result = second.next(ApplyResult.class);

    assertTrue(result.late());
    assertEquals(8, result.cycleId());
    assertApplied(result.task().executors().get(0));
  }

  @Test
  void applyStillRunningAfterReconnectingIsReportedLate() throws Exception {
    Link first = startRegistered();
    first.send(
        new ApplyRequest(
            9, task("a", block("shell", "a", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    first.drop();
    Link second = reconnected();
    second.register();

    script.gate("g").open();
    ApplyResult result = second.next(ApplyResult.class);

    assertTrue(result.late());
    assertEquals(9, result.cycleId());
  }

  @Test
  void resultTheServerNeverAcknowledgedIsReportedAgainLateAfterAReconnect() throws Exception {
    Link first = startRegistered();
    first.send(new ApplyRequest(1, task("a", block("shell", "a", "check", "drifted,satisfied"))));
    ApplyResult sent = first.next(ApplyResult.class);
    assertFalse(sent.late());
    // The stream took it, but the server never confirms it: the connection breaks first.
    first.drop();

    Link second = reconnected();
    second.register();
    ApplyResult again = second.next(ApplyResult.class);

    assertTrue(again.late());
    assertEquals(1, again.cycleId());
    assertEquals(sent.task(), again.task());
  }

  @Test
  void acknowledgedResultIsForgottenAndTheOthersAreReportedAgainInTheOrderTheyFinished()
      throws Exception {
    Link first = startRegistered();
    first.send(new ApplyRequest(1, task("a", block("shell", "a"))));
    first.ack(first.next(ApplyResult.class));
    first.send(new ApplyRequest(1, task("b", block("shell", "b"))));
    first.next(ApplyResult.class);
    first.send(new ApplyRequest(2, task("c", block("mise", "c"))));
    first.next(ApplyResult.class);
    first.drop();

    Link second = reconnected();
    second.register();
    ApplyResult b = second.next(ApplyResult.class);
    ApplyResult c = second.next(ApplyResult.class);
    second.send(new CheckRequest(3, List.of(task("d", block("mise", "d")))));

    assertEquals("b", b.task().task());
    assertEquals(1, b.cycleId());
    assertTrue(b.late());
    assertEquals("c", c.task().task());
    assertTrue(c.late());
    // Kept results go out as soon as the agent is registered: had "a" been kept, it would come
    // before this.
    assertEquals(3, second.next(CheckReport.class).cycleId());
  }

  @Test
  void unacknowledgedResultsAreNeverSentTwiceOnOneConnection() throws Exception {
    Link first = startRegistered();
    first.send(new ApplyRequest(1, task("a", block("shell", "a"))));
    first.next(ApplyResult.class);
    first.send(
        new ApplyRequest(
            2, task("slow", block("shell", "slow", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    first.drop();
    Link second = reconnected();
    second.register();
    assertEquals("a", second.next(ApplyResult.class).task().task());

    // A server that never acknowledges: the apply finishing now sends its own result, not "a" once
    // more.
    script.gate("g").open();
    ApplyResult slow = second.next(ApplyResult.class);
    second.send(new CheckRequest(3, List.of(task("d", block("mise", "d")))));

    assertEquals("slow", slow.task().task());
    assertTrue(slow.late());
    assertEquals(3, second.next(CheckReport.class).cycleId());
  }

  @Test
  void atMostTheConfiguredNumberOfUnacknowledgedResultsIsKept() throws Exception {
    Link first = start("fluke.agent.max-buffered-late-results = 2");
    first.register();
    first.send(new ApplyRequest(1, task("a", block("shell", "a"))));
    first.next(ApplyResult.class);
    first.send(new ApplyRequest(2, task("b", block("shell", "b"))));
    first.next(ApplyResult.class);

    LoggingTestKit.warn("Forgetting the result of task 'a' (cycle 1)")
        .expect(
            testKit.system(),
            () -> {
              first.send(new ApplyRequest(3, task("c", block("shell", "c"))));
              return first.next(ApplyResult.class);
            });
    first.drop();
    Link second = reconnected();
    second.register();
    ApplyResult b = second.next(ApplyResult.class);
    ApplyResult c = second.next(ApplyResult.class);
    second.send(new CheckRequest(4, List.of(task("d", block("mise", "d")))));

    assertEquals(List.of("b", "c"), List.of(b.task().task(), c.task().task()));
    assertEquals(4, second.next(CheckReport.class).cycleId());
  }

  @Test
  void cancelOfANewConnectionDoesNotTouchAnApplyOfAnOldOne() throws Exception {
    Link first = startRegistered();
    first.send(
        new ApplyRequest(
            5, task("a", block("shell", "a", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    first.drop();
    Link second = reconnected();
    second.register();

    // A restarted server numbers its cycles anew: its cycle 5 is not the one still running.
    LoggingTestKit.info("Cycle 5 cancelled")
        .expect(
            testKit.system(),
            () -> {
              second.send(new Cancel(5));
              return null;
            });
    script.gate("g").open();
    ApplyResult result = second.next(ApplyResult.class);

    assertTrue(result.late());
    assertApplied(result.task().executors().get(0));
  }

  @Test
  void checkOfALostConnectionIsStoppedAndNotReported() throws Exception {
    Link first = startRegistered();
    first.send(
        new CheckRequest(1, List.of(task("slow", block("shell", "slow", "check_gate", "g")))));
    script.gate("g").awaitEntered();
    first.drop();
    Link second = reconnected();
    second.register();

    second.send(new CheckRequest(2, List.of(task("b", block("mise", "b")))));

    assertEquals(2, second.next(CheckReport.class).cycleId());
  }

  @Test
  void rejectionIsLoggedLoudlyAndRetriedLater() throws Exception {
    Link first = start("");
    first.next(Register.class);

    LoggingTestKit.error("REJECTED")
        .withMessageContains("name is taken")
        .expect(
            testKit.system(),
            () -> {
              first.send(new Rejected("name is taken"));
              return null;
            });

    assertInstanceOf(ConnectionAttempt.EndedByAgent.class, first.fromAgent().expectError());
    Link second = reconnected();
    assertEquals("web-01", second.next(Register.class).name());
  }

  @Test
  void serverThatNeverAnswersRegisterIsDroppedAndRetried() throws Exception {
    Link first = start("");
    first.next(Register.class);
    first.fromAgent().request(1);
    first.fromAgent().expectNoMessage(Duration.ofMillis(200));

    time.timePasses(Duration.ofSeconds(30));

    assertInstanceOf(ConnectionAttempt.EndedByAgent.class, first.fromAgent().expectError());
    Link second = reconnected();
    second.next(Register.class);
  }

  @Test
  void heartbeatsAtTheIntervalTheServerAsksFor() throws Exception {
    Link link = start("");
    link.next(Register.class);

    link.send(new Registered("test-server", 10_000));
    link.fromAgent().request(1);
    link.fromAgent().expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofSeconds(10));
    assertInstanceOf(Heartbeat.class, link.fromAgent().expectNext());
    time.timePasses(Duration.ofSeconds(10));

    assertInstanceOf(Heartbeat.class, link.next());
  }

  @Test
  void slowConnectionDropsOutputWithAMarkerInsteadOfBufferingIt() throws Exception {
    Link link = start("fluke.agent.output.buffer-lines = 50");
    link.register();

    // Nobody reads what the agent sends while the apply prints 3000 lines.
    link.send(
        new ApplyRequest(
            4, task("noisy", block("shell", "a", "check", "drifted,satisfied", "lines", "3000"))));
    eventually(() -> script.journal().contains("shell:a:applied"));
    List<ApplyOutput> output = new ArrayList<>();
    AgentMessage m = link.next();
    while (!(m instanceof ApplyResult)) {
      output.add(assertInstanceOf(ApplyOutput.class, m));
      m = link.next();
    }

    assertTrue(output.size() < 500, "sent " + output.size() + " lines");
    assertTrue(output.stream().anyMatch(o -> o.line().contains("output line(s) dropped")));
    assertEquals("shell:a line 1", output.get(0).line());
    assertApplied(((ApplyResult) m).task().executors().get(0));
  }

  @Test
  void drainLetsTheRunningApplyFinishReportsItAndTakesNoNewWork() throws Exception {
    Link link = startRegistered();
    link.send(
        new ApplyRequest(
            1, task("upgrade", block("shell", "a", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();

    CompletableFuture<Done> drained =
        LoggingTestKit.info("Stopping: taking no new work")
            .expect(testKit.system(), () -> agent.drain().toCompletableFuture());
    link.send(new CheckRequest(2, List.of(task("later", block("mise", "x")))));
    script.gate("g").open();
    ApplyResult result = link.next(ApplyResult.class);

    assertFalse(result.late());
    assertApplied(result.task().executors().get(0));
    Thread.sleep(100);
    assertFalse(drained.isDone(), "the result is not acknowledged yet");
    link.ack(result);
    drained.get(10, TimeUnit.SECONDS);
    assertFalse(script.journal().contains("mise:x:check"), "no new work once stopping");
  }

  @Test
  void pastTheStopGraceTheApplyIsKilledAndItsResultIsReportedOnTheNextStart() throws Exception {
    AgentSettings settings = settings("").withJournalFile(dir.resolve("agent-journal.json"));
    Link link = start(settings);
    link.register();
    link.send(
        new ApplyRequest(
            3,
            task("upgrade", block("shell", "a", "check", "drifted", "gate", "g", "process", "y"))));
    script.gate("g").awaitEntered();

    CompletableFuture<Done> drained =
        LoggingTestKit.info("(stop_grace) to finish")
            .expect(testKit.system(), () -> agent.drain().toCompletableFuture());
    time.timePasses(Duration.ofMinutes(2));
    ApplyResult cancelled = link.next(ApplyResult.class);
    // The server does not acknowledge it before the agent gives up waiting (5s).
    // Manual time moves a second per poll until the agent has given up waiting.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              time.timePasses(Duration.ofSeconds(1));
              return drained.isDone();
            });
    drained.get(10, TimeUnit.SECONDS);
    agent.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);

    ExecutorOutcome a = cancelled.task().executors().get(0);
    assertEquals(Outcome.ERROR, a.apply().outcome());
    assertTrue(a.apply().message().contains("stop_grace of 2m ran out"), a.apply().message());
    assertTrue(script.journal().contains("shell:a:cancelled"));

    // The next agent process, on the same journal, reports it first thing, late.
    ScriptedConnector nextServer = new ScriptedConnector();
    agent = AgentRuntime.start(testKit.system(), settings, nextServer, script.executors("shell"));
    Link next = nextServer.nextLink();
    next.register();
    ApplyResult again = next.next(ApplyResult.class);

    assertTrue(again.late());
    assertEquals(3, again.cycleId());
    assertEquals(cancelled.task(), again.task());
    next.ack(again);
    eventually(() -> journalOnDisk().results().isEmpty());
  }

  /** The journal as the file holds it now (read without touching it). */
  private AgentJournal.State journalOnDisk() {
    try {
      return JournalJson.read(Files.readAllBytes(dir.resolve("agent-journal.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits (bounded) for something the agent does on its own threads. */
  static void eventually(BooleanSupplier condition) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(5))
        .until(condition::getAsBoolean);
  }
}

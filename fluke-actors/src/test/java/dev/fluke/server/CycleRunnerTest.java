package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cycle runner on its own: probes stand in for the agent's stream, its session and the task
 * reconcilers; time is manual.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CycleRunnerTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final TaskSpec APP = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy");
  private static final TaskSpec CERT = Tasks.spec("cert", DriftPolicy.ALERT_ONLY, "shell:rotate");

  @TempDir Path dir;
  private TestProbe<Outbound> out;
  private TestProbe<AgentSession.Command> session;
  private TestProbe<AgentSession.Ack> acks;
  private TestProbe<TaskReconciler.Command> reconciler;
  private ActorRef<CycleRunner.Command> runner;
  private TestTime time;

  @BeforeEach
  void setUp() {
    out = testKit.createTestProbe();
    session = testKit.createTestProbe();
    acks = testKit.createTestProbe();
    reconciler = testKit.createTestProbe();
    time = TestTime.of(testKit.system());
  }

  private void start(TaskSpec... tasks) {
    start(ServerFixture.settings(dir, null), tasks);
  }

  private void start(ServerSettings given, TaskSpec... tasks) {
    start(given, session.ref(), tasks);
  }

  private void start(
      ServerSettings given, ActorRef<AgentSession.Command> reportTo, TaskSpec... tasks) {
    ServerSettings settings = given.withClock(time.clock());
    TestProbe<DriftAlerter.Command> alerter = testKit.createTestProbe();
    TestProbe<AgentRegistry.Command> registry = testKit.createTestProbe();
    FlukeMetrics metrics = new FlukeMetrics();
    SessionSetup setup =
        new SessionSetup(
            settings,
            new AgentMessage.Register("web-01", Map.of("role", "web"), "1", List.of("shell")),
            "peer",
            out.ref(),
            registry.ref(),
            alerter.ref(),
            new MemoryEventStore(100, 100, 100),
            new LiveHub(settings.live(), metrics),
            metrics,
            0,
            new DesiredState("c1", List.of(tasks), time.clock().instant()),
            Map.of("app", reconciler.ref(), "cert", reconciler.ref()),
            new ReceivedResults(8),
            Suspensions.restoredEmpty(),
            "");
    runner =
        testKit.spawn(
            CycleRunner.create(
                setup,
                reportTo,
                new SessionEvents("web-01", setup.events(), metrics, time.clock())));
  }

  private <T extends ServerMessage> T sent(Class<T> type) {
    Outbound o = out.expectMessageClass(Outbound.Send.class);
    return assertInstanceOf(type, ((Outbound.Send) o).message());
  }

  private void fromAgent(AgentMessage m) {
    runner.tell(new CycleRunner.FromAgent(m, acks.ref()));
    acks.expectMessage(AgentSession.Ack.INSTANCE);
  }

  private static AgentMessage.CheckReport report(
      ServerMessage.CheckRequest req, Map<String, Outcome> outcomes) {
    List<AgentMessage.TaskOutcome> tasks = new ArrayList<>();
    for (TaskSpec t : req.tasks()) {
      List<AgentMessage.ExecutorOutcome> execs = new ArrayList<>();
      for (ExecutorSpec e : t.executors()) {
        execs.add(
            new AgentMessage.ExecutorOutcome(
                e.label(),
                e.type(),
                TestAgent.step(Phase.CHECK, outcomes.get(t.name())),
                null,
                null));
      }
      tasks.add(new AgentMessage.TaskOutcome(t.name(), execs));
    }
    return new AgentMessage.CheckReport(req.cycleId(), tasks);
  }

  @Test
  void aDriftedTaskIsCheckedThenAppliedAndItsResultAcknowledgedBeforeTheNextMessage() {
    start(APP);
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);
    fromAgent(report(check, Map.of("app", Outcome.DRIFTED)));
    ServerMessage.ApplyRequest apply = sent(ServerMessage.ApplyRequest.class);
    assertEquals(check.cycleId(), apply.cycleId());

    runner.tell(
        new CycleRunner.FromAgent(
            new AgentMessage.ApplyResult(
                apply.cycleId(), TestAgent.applied(APP, Outcome.APPLIED, Outcome.SATISFIED), false),
            acks.ref()));
    // The result is acknowledged to the agent before its next message is let in.
    assertEquals(
        new ServerMessage.ApplyResultAck(apply.cycleId(), "app"),
        sent(ServerMessage.ApplyResultAck.class));
    acks.expectMessage(AgentSession.Ack.INSTANCE);

    Dto.AgentDetail detail = detail();
    assertEquals(Status.SATISFIED, detail.tasks().get(0).status());
  }

  @Test
  void theSessionHearsTheStatusAnAgentMessageCausedBeforeTheAgentsNextMessageIsLetIn() {
    // One probe for the session and the ack: it sees them in the order the runner sent them. A
    // heartbeat let in by the ack and then the stream's end must not overtake the last status.
    TestProbe<Object> both = testKit.createTestProbe();
    start(ServerFixture.settings(dir, null), both.ref().narrow(), APP);
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);
    ActorRef<AgentSession.Ack> ackTo = both.ref().narrow();
    runner.tell(new CycleRunner.FromAgent(report(check, Map.of("app", Outcome.DRIFTED)), ackTo));
    ServerMessage.ApplyRequest apply = sent(ServerMessage.ApplyRequest.class);
    runner.tell(
        new CycleRunner.FromAgent(
            new AgentMessage.ApplyResult(
                apply.cycleId(), TestAgent.applied(APP, Outcome.APPLIED, Outcome.SATISFIED), false),
            ackTo));
    statusBeforeAck(both); // the check report's
    AgentSession.CycleStatus last = statusBeforeAck(both); // the apply result's
    assertEquals(CyclePhase.IDLE, last.phase());
    assertEquals(1, last.counts().satisfied());
  }

  /** The last status {@code probe} received before the next ack (null when none). */
  private static AgentSession.CycleStatus statusBeforeAck(TestProbe<Object> probe) {
    AgentSession.CycleStatus last = null;
    for (Object m = probe.receiveMessage();
        m != AgentSession.Ack.INSTANCE;
        m = probe.receiveMessage()) {
      if (m instanceof AgentSession.CycleStatus s) {
        last = s;
      }
    }
    return last;
  }

  @Test
  void anAgentMovesToBalanceAClusterOnlyWithNoCycleAndNoPlanCheckInFlight() {
    TestProbe<Object> both = testKit.createTestProbe();
    start(ServerFixture.settings(dir, null), both.ref().narrow(), APP);
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);
    runner.tell(new CycleRunner.MoveIfIdle("cycle in flight"));
    ActorRef<AgentSession.Ack> ackTo = both.ref().narrow();
    runner.tell(new CycleRunner.FromAgent(report(check, Map.of("app", Outcome.SATISFIED)), ackTo));
    for (Object m = both.receiveMessage();
        m != AgentSession.Ack.INSTANCE;
        m = both.receiveMessage()) {
      assertInstanceOf(AgentSession.CycleStatus.class, m, "the cycle ends; nothing moves");
    }
    TestProbe<PlanQuery.Command> plan = testKit.createTestProbe();
    runner.tell(new CycleRunner.PlanCheck(-7, List.of(CERT), plan.ref()));
    ServerMessage.CheckRequest planCheck = sent(ServerMessage.CheckRequest.class);
    runner.tell(new CycleRunner.MoveIfIdle("plan check in flight"));
    runner.tell(
        new CycleRunner.FromAgent(report(planCheck, Map.of("cert", Outcome.SATISFIED)), ackTo));
    both.expectMessage(AgentSession.Ack.INSTANCE); // the plan's report: no Moving before it
    runner.tell(new CycleRunner.MoveIfIdle("idle"));
    assertEquals(new AgentSession.Moving("idle"), both.receiveMessage());
  }

  @Test
  void aPlansCheckGoesOutBesideTheCycleAndItsReportReachesThePlanOnly() {
    start(APP);
    ServerMessage.CheckRequest cycle = sent(ServerMessage.CheckRequest.class);
    TestProbe<PlanQuery.Command> plan = testKit.createTestProbe();
    runner.tell(new CycleRunner.PlanCheck(-7, List.of(CERT), plan.ref()));
    ServerMessage.CheckRequest planCheck = sent(ServerMessage.CheckRequest.class);
    assertEquals(new ServerMessage.CheckRequest(-7, List.of(CERT)), planCheck);

    fromAgent(report(planCheck, Map.of("cert", Outcome.DRIFTED)));
    PlanQuery.Reported reported = plan.expectMessageClass(PlanQuery.Reported.class);
    assertEquals("web-01", reported.agent());
    assertEquals(-7, reported.report().cycleId());
    out.expectNoMessage(Duration.ofMillis(200)); // a plan's drift is never applied

    fromAgent(report(cycle, Map.of("app", Outcome.SATISFIED)));
    assertEquals(List.of("app"), detail().tasks().stream().map(Dto.TaskStatus::task).toList());
    assertEquals(Status.SATISFIED, detail().tasks().get(0).status());

    runner.tell(new CycleRunner.PlanCheck(-8, List.of(CERT), plan.ref()));
    ServerMessage.CheckRequest late = sent(ServerMessage.CheckRequest.class);
    runner.tell(new CycleRunner.PlanCheckDropped(-8));
    assertEquals(new ServerMessage.Cancel(-8), sent(ServerMessage.Cancel.class));
    fromAgent(report(late, Map.of("cert", Outcome.SATISFIED)));
    plan.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void triggersDuringACycleBecomeExactlyOneFollowUp() {
    ServerSettings s = ServerFixture.settings(dir, null);
    ServerSettings.Reconcile r = s.reconcile();
    Duration hour = ServerFixture.INTERVAL;
    // Timeouts longer than the interval's slot, which passes while the first cycle is in flight.
    start(
        s.withReconcile(
            new ServerSettings.Reconcile(
                hour, r.defaultPolicy(), hour, hour, r.retryBackoffMin(), r.retryBackoffMax())),
        APP,
        CERT);
    ServerMessage.CheckRequest first = sent(ServerMessage.CheckRequest.class);
    runner.tell(new CycleRunner.ManualReconcile(Set.of("cert"), 41));
    time.timePasses(ServerSettings.Reconcile.slotOf("web-01", ServerFixture.INTERVAL));
    runner.tell(new CycleRunner.ManualReconcile(Set.of(), 42));
    fromAgent(report(first, Map.of("app", Outcome.SATISFIED, "cert", Outcome.SATISFIED)));

    ServerMessage.CheckRequest followUp = sent(ServerMessage.CheckRequest.class);
    assertEquals(List.of(APP, CERT), followUp.tasks(), "the follow-up checks everything");
    fromAgent(report(followUp, Map.of("app", Outcome.SATISFIED, "cert", Outcome.DRIFTED)));
    // Manual: the alert_only task is applied.
    ServerMessage.ApplyRequest apply = sent(ServerMessage.ApplyRequest.class);
    assertEquals("cert", apply.task().name());
    fromAgent(
        new AgentMessage.ApplyResult(
            apply.cycleId(), TestAgent.applied(CERT, Outcome.APPLIED, Outcome.SATISFIED), false));
    sent(ServerMessage.ApplyResultAck.class);
    out.expectNoMessage(Duration.ofMillis(200)); // no third cycle

    Dto.AgentDetail d = detail();
    assertEquals(Status.SATISFIED, d.tasks().get(1).status());
    AgentSession.CycleStatus last = lastStatus();
    assertEquals(CyclePhase.IDLE, last.phase());
    assertEquals(42, last.manualServed(), "both manual requests were served by the follow-up");
  }

  @Test
  void aReportThatBreaksTheProtocolIsReportedToTheSessionAndNothingMoreIsSent() {
    start(APP);
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);
    runner.tell(
        new CycleRunner.FromAgent(
            new AgentMessage.ApplyResult(
                check.cycleId(), TestAgent.applied(APP, Outcome.APPLIED, Outcome.SATISFIED), false),
            acks.ref()));
    AgentSession.Broken broken = null;
    while (broken == null) {
      if (session.receiveMessage() instanceof AgentSession.Broken b) {
        broken = b;
      }
    }
    assertTrue(broken.reason().contains("requested no apply"), broken.reason());
    out.expectNoMessage(Duration.ofMillis(200)); // no ApplyResultAck for it
    acks.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aCheckTimeoutCancelsTheCycleMarksTheTasksInErrorAndRetriesWithBackoff() {
    start(APP);
    ServerMessage.CheckRequest first = sent(ServerMessage.CheckRequest.class);
    time.timePasses(Duration.ofMinutes(10));
    assertEquals(first.cycleId(), sent(ServerMessage.Cancel.class).cycleId());
    assertEquals(Status.ERROR, detail().tasks().get(0).status());
    time.timePasses(Duration.ofSeconds(14));
    out.expectNoMessage(Duration.ofMillis(100));
    time.timePasses(Duration.ofSeconds(1));
    assertTrue(sent(ServerMessage.CheckRequest.class).cycleId() > first.cycleId());
  }

  private Dto.AgentDetail detail() {
    TestProbe<Optional<Dto.AgentDetail>> reply = testKit.createTestProbe();
    runner.tell(new CycleRunner.GetDetail(null, reply.ref()));
    return reply.receiveMessage().orElseThrow();
  }

  /** The newest cycle status the runner reported to its session (it reports only changes). */
  private AgentSession.CycleStatus lastStatus() {
    AgentSession.CycleStatus last = null;
    while (true) {
      AgentSession.Command c;
      try {
        c = session.receiveMessage(Duration.ofMillis(200));
      } catch (AssertionError none) {
        return last;
      }
      if (c instanceof AgentSession.CycleStatus s) {
        last = s;
      }
    }
  }
}

package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.manifest.Window;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
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
 * The runner with what holds applies back (issue 10): a suspension and a closed maintenance window
 * keep a drifted task checked but not applied, a forced manual reconcile applies it, and a window's
 * opening starts the cycle that applies it. Time is manual.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CycleRunnerGatesTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final TaskSpec APP = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy");

  @TempDir Path dir;
  private TestProbe<Outbound> out;
  private TestProbe<AgentSession.Command> session;
  private TestProbe<AgentSession.Ack> acks;
  private TestProbe<DriftAlerter.Command> alerter;
  private ActorRef<CycleRunner.Command> runner;
  private MemoryEventStore events;
  private Suspensions suspensions;
  private TestTime time;

  @BeforeEach
  void setUp() {
    out = testKit.createTestProbe();
    session = testKit.createTestProbe();
    acks = testKit.createTestProbe();
    alerter = testKit.createTestProbe();
    events = new MemoryEventStore(100, 100, 100);
    suspensions = Suspensions.restoredEmpty();
    time = TestTime.of(testKit.system());
  }

  private void start(TaskSpec... tasks) {
    ServerSettings settings = ServerFixture.settings(dir, null).withClock(time.clock());
    TestProbe<AgentRegistry.Command> registry = testKit.createTestProbe();
    TestProbe<TaskReconciler.Command> reconciler = testKit.createTestProbe();
    FlukeMetrics metrics = new FlukeMetrics();
    SessionSetup setup =
        new SessionSetup(
            settings,
            new AgentMessage.Register("web-01", Map.of("role", "web"), "1", List.of("shell")),
            "peer",
            out.ref(),
            registry.ref(),
            alerter.ref(),
            events,
            new LiveHub(settings.live(), metrics),
            metrics,
            0,
            new DesiredState("c1", List.of(tasks), time.clock().instant()),
            Map.of("app", reconciler.ref()),
            new ReceivedResults(8),
            suspensions,
            "");
    runner =
        testKit.spawn(
            CycleRunner.create(
                setup, session.ref(), new SessionEvents("web-01", events, metrics, time.clock())));
  }

  private <T extends ServerMessage> T sent(Class<T> type) {
    Outbound o = out.expectMessageClass(Outbound.Send.class);
    return assertInstanceOf(type, ((Outbound.Send) o).message());
  }

  private void fromAgent(AgentMessage m) {
    runner.tell(new CycleRunner.FromAgent(m, acks.ref()));
    acks.expectMessage(AgentSession.Ack.INSTANCE);
  }

  private static AgentMessage.CheckReport drifted(ServerMessage.CheckRequest req) {
    List<AgentMessage.TaskOutcome> tasks = new ArrayList<>();
    for (TaskSpec t : req.tasks()) {
      List<AgentMessage.ExecutorOutcome> execs = new ArrayList<>();
      for (ExecutorSpec e : t.executors()) {
        execs.add(
            new AgentMessage.ExecutorOutcome(
                e.label(), e.type(), TestAgent.step(Phase.CHECK, Outcome.DRIFTED), null, null));
      }
      tasks.add(new AgentMessage.TaskOutcome(t.name(), execs));
    }
    return new AgentMessage.CheckReport(req.cycleId(), tasks);
  }

  private void applySucceeds(ServerMessage.ApplyRequest apply, TaskSpec spec) {
    fromAgent(
        new AgentMessage.ApplyResult(
            apply.cycleId(), TestAgent.applied(spec, Outcome.APPLIED, Outcome.SATISFIED), false));
    sent(ServerMessage.ApplyResultAck.class);
  }

  private Dto.TaskStatus status() {
    TestProbe<Optional<Dto.AgentDetail>> reply = testKit.createTestProbe();
    runner.tell(new CycleRunner.GetDetail(null, reply.ref()));
    return reply.receiveMessage().orElseThrow().tasks().get(0);
  }

  private List<String> outcomes(String kind) {
    return events
        .query(new EventQuery("web-01", null, null, 100))
        .toCompletableFuture()
        .join()
        .stream()
        .filter(e -> e.kind().equals(kind))
        .map(e -> e.outcome() + ": " + e.message())
        .toList();
  }

  @Test
  void aSuspendedTaskIsCheckedButNotAppliedAndAForcedManualReconcileAppliesIt() {
    suspensions.put(
        new Suspension(
            TargetKind.TASK, "app", "alice", "db migration", time.clock().instant(), null));
    start(APP);
    fromAgent(drifted(sent(ServerMessage.CheckRequest.class)));
    out.expectNoMessage(Duration.ofMillis(200)); // no ApplyRequest
    Dto.TaskStatus s = status();
    assertEquals(Status.DRIFTED, s.status(), "drift stays visible");
    assertTrue(s.message().startsWith("not applied: task app is suspended by alice"), s.message());
    assertTrue(
        outcomes("apply").stream().anyMatch(o -> o.startsWith("blocked: not applied")),
        outcomes("apply").toString());

    // A manual reconcile without --force is held back too, and says how to apply.
    runner.tell(new CycleRunner.ManualReconcile(Set.of("app"), 7));
    fromAgent(drifted(sent(ServerMessage.CheckRequest.class)));
    out.expectNoMessage(Duration.ofMillis(200));
    assertTrue(status().message().contains("--force"), status().message());

    // With --force it is applied.
    runner.tell(new CycleRunner.ManualReconcile(Set.of("app"), 8, true));
    fromAgent(drifted(sent(ServerMessage.CheckRequest.class)));
    ServerMessage.ApplyRequest apply = sent(ServerMessage.ApplyRequest.class);
    assertEquals("app", apply.task().name());
    applySucceeds(apply, APP);
    assertEquals(Status.SATISFIED, status().status());
  }

  @Test
  void anAgentOrFleetSuspensionHoldsBackEveryTaskAndResumingLetsTheNextCycleApply() {
    suspensions.put(
        new Suspension(
            TargetKind.AGENT, "web-01", "bob", "kernel update", time.clock().instant(), null));
    start(APP);
    fromAgent(drifted(sent(ServerMessage.CheckRequest.class)));
    out.expectNoMessage(Duration.ofMillis(200));
    assertTrue(status().message().contains("agent web-01 is suspended by bob"), status().message());

    suspensions.remove(Suspension.key(TargetKind.AGENT, "web-01"));
    // The registry starts a cycle when a suspension is lifted (AgentRegistry.SuspensionLifted).
    runner.tell(
        new CycleRunner.DesiredStateChanged(
            new DesiredState("c1", List.of(APP), time.clock().instant()), Map.of(), Duration.ZERO));
    fromAgent(drifted(sent(ServerMessage.CheckRequest.class)));
    applySucceeds(sent(ServerMessage.ApplyRequest.class), APP);
    assertEquals(Status.SATISFIED, status().status());
  }

  @Test
  void outsideItsWindowADriftedTaskWaitsAndIsAppliedWhenTheWindowOpens() {
    // A daily window that opens a few minutes from the test's now and lasts an hour.
    Instant now = time.clock().instant();
    LocalTime opens =
        LocalTime.ofInstant(now.plus(Duration.ofMinutes(5)), ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.MINUTES);
    LocalTime closes = opens.plusHours(1);
    Window window = Window.of(List.of(opens + "-" + closes), List.of(), "UTC");
    TaskSpec windowed =
        new TaskSpec(
            APP.name(),
            "",
            APP.driftPolicy(),
            APP.selector(),
            APP.executors(),
            APP.pos(),
            Optional.of(window));
    start(windowed);
    fromAgent(drifted(sent(ServerMessage.CheckRequest.class)));
    out.expectNoMessage(Duration.ofMillis(200));
    Dto.TaskStatus s = status();
    assertEquals(Status.DRIFTED, s.status());
    assertTrue(s.message().contains("outside its maintenance window"), s.message());

    // The interval's slot may come first: its cycle is held back as well.
    Instant opening = window.nextOpening(now);
    while (Duration.between(time.clock().instant(), opening).compareTo(Duration.ofMinutes(1)) > 0) {
      time.timePasses(Duration.ofMinutes(1));
      answerChecks();
    }
    time.timePasses(Duration.between(time.clock().instant(), opening).minusSeconds(1));
    answerChecks();
    // At the opening, a cycle runs and applies.
    time.timePasses(Duration.ofSeconds(1));
    ServerMessage.CheckRequest atOpening = sent(ServerMessage.CheckRequest.class);
    fromAgent(drifted(atOpening));
    applySucceeds(sent(ServerMessage.ApplyRequest.class), windowed);
    assertEquals(Status.SATISFIED, status().status());
  }

  /** Answers every check that went out with "drifted"; fails on anything else sent. */
  private void answerChecks() {
    ServerMessage m;
    while ((m = nextSentOrNull()) instanceof ServerMessage.CheckRequest c) {
      fromAgent(drifted(c));
    }
    assertTrue(m == null, "nothing but checks before the opening: " + m);
  }

  private ServerMessage nextSentOrNull() {
    try {
      Outbound o = out.receiveMessage(Duration.ofMillis(300));
      return ((Outbound.Send) o).message();
    } catch (AssertionError none) {
      return null;
    }
  }
}

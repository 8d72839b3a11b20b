package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runner's steps without the runner: a bare actor owns them (their timers and their thread) and
 * runs each step the test hands it; probes stand in for the agent's stream and the session; time is
 * manual and never moves, so no timer fires.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CycleStepsTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final TaskSpec APP = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy");
  private static final TaskSpec CERT = Tasks.spec("cert", DriftPolicy.ALERT_ONLY, "shell:rotate");

  @TempDir Path dir;
  private TestProbe<Outbound> out;
  private TestProbe<AgentSession.Command> session;
  private TestProbe<AgentSession.Ack> acks;
  private TestProbe<TaskReconciler.Command> reconciler;
  private TestTime time;
  private ActorRef<Object> owner;
  private CycleSteps steps;

  @BeforeEach
  void setUp() {
    out = testKit.createTestProbe();
    session = testKit.createTestProbe();
    acks = testKit.createTestProbe();
    reconciler = testKit.createTestProbe();
    time = TestTime.of(testKit.system());
  }

  /** The steps of agent web-01 with these tasks, made on their owner's thread. */
  private void create(TaskSpec... tasks) {
    ServerSettings settings = ServerFixture.settings(dir, null).withClock(time.clock());
    FlukeMetrics metrics = new FlukeMetrics();
    SessionSetup setup =
        new SessionSetup(
            settings,
            new AgentMessage.Register("web-01", Map.of("role", "web"), "1", List.of("shell")),
            "peer",
            out.ref(),
            testKit.<AgentRegistry.Command>createTestProbe().ref(),
            testKit.<DriftAlerter.Command>createTestProbe().ref(),
            new MemoryEventStore(100, 100, 100),
            new LiveHub(settings.live(), metrics),
            metrics,
            0,
            new DesiredState("c1", List.of(tasks), time.clock().instant()),
            Map.of("app", reconciler.ref(), "cert", reconciler.ref()),
            new ReceivedResults(8),
            Suspensions.restoredEmpty(),
            "");
    SessionEvents events = new SessionEvents("web-01", setup.events(), metrics, time.clock());
    owner =
        testKit.spawn(
            Behaviors.setup(
                ctx ->
                    Behaviors.withTimers(
                        timers -> {
                          steps =
                              new CycleSteps(
                                  setup,
                                  session.ref(),
                                  events,
                                  new RunnerTimers(runnerTimers(timers), settings.reconcile()),
                                  ctx.getSelf().narrow(),
                                  ctx.getLog());
                          return Behaviors.receiveMessage(
                              m -> {
                                if (m instanceof Runnable step) {
                                  step.run();
                                }
                                return Behaviors.same();
                              });
                        })));
  }

  /** The owner accepts any message; its timers only ever carry the runner's (time never moves). */
  @SuppressWarnings("unchecked")
  private static TimerScheduler<CycleRunner.Command> runnerTimers(TimerScheduler<Object> timers) {
    return (TimerScheduler<CycleRunner.Command>) (TimerScheduler<?>) timers;
  }

  /** Runs {@code step} on the steps' owner and returns what it returned. */
  private <T> T on(Supplier<T> step) {
    CompletableFuture<T> done = new CompletableFuture<>();
    owner.tell(
        (Runnable)
            () -> {
              try {
                done.complete(step.get());
              } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
              }
            });
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private CycleSteps.Next start(TaskSpec... tasks) {
    create(tasks);
    return on(
        () ->
            steps.start(new DesiredState("c1", List.of(tasks), time.clock().instant()), Map.of()));
  }

  private CycleSteps.Next fromAgent(Cycle c, AgentMessage m) {
    CycleRunner.FromAgent from = new CycleRunner.FromAgent(m, acks.ref());
    return on(
        () -> {
          CycleSteps.Next next = steps.fromAgent(c, from);
          steps.acknowledge(from); // as the runner does, once it entered the next phase
          return next;
        });
  }

  private <T extends ServerMessage> T sent(Class<T> type) {
    Outbound o = out.expectMessageClass(Outbound.Send.class);
    return assertInstanceOf(type, ((Outbound.Send) o).message());
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

  /** The first message of {@code type} the session got, skipping status reports. */
  private <T extends AgentSession.Command> T toSession(Class<T> type) {
    while (true) {
      AgentSession.Command c = session.receiveMessage();
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
  }

  @Test
  void startChecksEveryMatchedTaskAndGoesToChecking() {
    CycleSteps.Next next = start(APP, CERT);
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);
    assertFalse(next.same());
    assertEquals(CyclePhase.CHECKING, next.cycle().phase());
    assertEquals(check.cycleId(), next.cycle().id());
    assertEquals(List.of(APP, CERT), check.tasks());
  }

  @Test
  void aDriftedTaskIsAppliedAndItsResultEndsTheCycleIdle() {
    Cycle checking = start(APP).cycle();
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);

    CycleSteps.Next applying = fromAgent(checking, report(check, Map.of("app", Outcome.DRIFTED)));
    acks.expectMessage(AgentSession.Ack.INSTANCE);
    assertEquals(CyclePhase.APPLYING, applying.cycle().phase());
    assertEquals(APP, applying.cycle().applying());
    assertEquals(
        new ServerMessage.ApplyRequest(check.cycleId(), APP),
        sent(ServerMessage.ApplyRequest.class));

    CycleSteps.Next done =
        fromAgent(
            applying.cycle(),
            new AgentMessage.ApplyResult(
                check.cycleId(),
                TestAgent.applied(APP, Outcome.APPLIED, Outcome.SATISFIED),
                false));
    assertSame(CycleSteps.Next.IDLE, done);
    assertEquals(
        new ServerMessage.ApplyResultAck(check.cycleId(), "app"),
        sent(ServerMessage.ApplyResultAck.class));
    acks.expectMessage(AgentSession.Ack.INSTANCE);
    assertEquals(
        Status.SATISFIED, on(() -> steps.detail(null, null)).orElseThrow().tasks().get(0).status());
  }

  @Test
  void aTriggerWhileACycleIsInFlightStaysAndStartsTheFollowUpWhenItEnds() {
    Cycle first = start(APP).cycle();
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);

    assertSame(CycleSteps.Next.SAME, on(() -> steps.trigger(first, CycleRequest.AUTOMATIC)));
    out.expectNoMessage(Duration.ofMillis(100));

    CycleSteps.Next next = fromAgent(first, report(check, Map.of("app", Outcome.SATISFIED)));
    ServerMessage.CheckRequest followUp = sent(ServerMessage.CheckRequest.class);
    assertEquals(CyclePhase.CHECKING, next.cycle().phase());
    assertEquals(followUp.cycleId(), next.cycle().id());
    assertTrue(followUp.cycleId() > first.id());
  }

  @Test
  void aReportTheCurrentCycleCannotHaveBreaksTheProtocolAndIsNotAcknowledged() {
    Cycle checking = start(APP).cycle();
    ServerMessage.CheckRequest check = sent(ServerMessage.CheckRequest.class);

    CycleSteps.Next next =
        fromAgent(
            checking,
            new AgentMessage.ApplyResult(
                check.cycleId(),
                TestAgent.applied(APP, Outcome.APPLIED, Outcome.SATISFIED),
                false));
    assertSame(CycleSteps.Next.SAME, next);
    String reason = toSession(AgentSession.Broken.class).reason();
    assertTrue(reason.contains("requested no apply"), reason);
    acks.expectNoMessage(Duration.ofMillis(100));
    out.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void onlyTheTimeoutOfTheCycleInFlightCancelsIt() {
    Cycle checking = start(APP).cycle();
    sent(ServerMessage.CheckRequest.class);

    assertSame(CycleSteps.Next.SAME, on(() -> steps.timedOut(null, checking.id())));
    assertSame(CycleSteps.Next.SAME, on(() -> steps.timedOut(checking, checking.id() - 1)));
    out.expectNoMessage(Duration.ofMillis(100));

    assertSame(CycleSteps.Next.IDLE, on(() -> steps.timedOut(checking, checking.id())));
    assertEquals(new ServerMessage.Cancel(checking.id()), sent(ServerMessage.Cancel.class));
    assertEquals(
        Status.ERROR, on(() -> steps.detail(null, null)).orElseThrow().tasks().get(0).status());
  }

  @Test
  void aManualReconcileOfTasksNoLongerHereIsServedByDoingNothing() {
    Cycle checking = start(APP).cycle();
    sent(ServerMessage.CheckRequest.class);

    CycleSteps.Next next =
        on(
            () ->
                steps.manualReconcile(
                    checking, new CycleRunner.ManualReconcile(Set.of("gone"), 7)));
    assertSame(CycleSteps.Next.SAME, next);
    AgentSession.CycleStatus status = toSession(AgentSession.CycleStatus.class);
    while (status.manualServed() != 7) {
      status = toSession(AgentSession.CycleStatus.class);
    }
    out.expectNoMessage(Duration.ofMillis(100));
    Dto.ManualResult manual = on(() -> steps.detail(checking, null)).orElseThrow().lastManual();
    assertEquals(7, manual.requestId());
    assertEquals(List.of(), manual.tasks());
  }
}

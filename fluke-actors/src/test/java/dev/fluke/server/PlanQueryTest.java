package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.api.PlanResult.CheckResult;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** One plan's actor with probes for the agents' sessions; time is manual. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlanQueryTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final TaskSpec APP = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy");
  private static final TaskSpec APP_V2 = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy2");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private TestTime time;
  private TestProbe<PlanResult> reply;
  private TestProbe<AgentSession.Command> web01;
  private TestProbe<AgentSession.Command> web02;

  @BeforeEach
  void setUp() {
    time = TestTime.of(testKit.system());
    reply = testKit.createTestProbe();
    web01 = testKit.createTestProbe();
    web02 = testKit.createTestProbe();
  }

  private static Dto.AgentSummary agent(String name) {
    return new Dto.AgentSummary(
        name,
        Map.of("role", "web"),
        "1",
        true,
        null,
        null,
        CyclePhase.IDLE,
        null,
        Dto.StatusCounts.EMPTY,
        0);
  }

  private void plan(ManifestSync.Planned ref) {
    ServerSettings settings = ServerFixture.settings(dir, null).withClock(time.clock());
    testKit.spawn(
        PlanQuery.create(
            new PlanQuery.Setup(
                ref,
                new DesiredState("c1", List.of(APP), time.clock().instant()),
                List.of(agent("web-01"), agent("web-02")),
                Map.of("web-01", web01.ref(), "web-02", web02.ref()),
                -3,
                TIMEOUT,
                time.clock().instant(),
                settings,
                reply.ref())));
  }

  private static ManifestSync.Planned loaded(TaskSpec... tasks) {
    return new ManifestSync.Planned(
        "feature", "c2", new ManifestSet(List.of(tasks), List.of(), List.of("a.fluke.hcl")), null);
  }

  private static CycleRunner.PlanCheck planCheck(TestProbe<AgentSession.Command> session) {
    AgentSession.ForRunner f = session.expectMessageClass(AgentSession.ForRunner.class);
    return assertInstanceOf(CycleRunner.PlanCheck.class, f.command());
  }

  private static AgentMessage.CheckReport report(long id, Outcome outcome) {
    return new AgentMessage.CheckReport(
        id,
        List.of(
            new AgentMessage.TaskOutcome(
                "app",
                List.of(
                    new AgentMessage.ExecutorOutcome(
                        "deploy2", "shell", TestAgent.step(Phase.CHECK, outcome), null, null)))));
  }

  @Test
  void everyAgentThatWouldMatchAChangedTaskIsAskedAndTheAnswersMakeThePlan() {
    plan(loaded(APP_V2));
    CycleRunner.PlanCheck c1 = planCheck(web01);
    CycleRunner.PlanCheck c2 = planCheck(web02);
    assertEquals(-3, c1.cycleId());
    assertEquals(List.of(APP_V2), c1.tasks());

    c1.replyTo().tell(new PlanQuery.Reported("web-01", report(-3, Outcome.DRIFTED)));
    reply.expectNoMessage(Duration.ofMillis(100));
    c2.replyTo().tell(new PlanQuery.Reported("web-02", report(-3, Outcome.SATISFIED)));

    PlanResult r = reply.receiveMessage();
    assertEquals(PlanResult.Verdict.CHANGES, r.verdict());
    assertEquals("c1", r.inForce());
    assertEquals(
        List.of(CheckResult.WOULD_APPLY, CheckResult.NO_CHANGE),
        r.tasks().get(0).agents().stream().map(PlanResult.AgentCheck::result).toList());
  }

  @Test
  void anAgentThatDoesNotAnswerInTimeIsTimedOutAndToldToDropTheCheck() {
    plan(loaded(APP_V2));
    CycleRunner.PlanCheck c1 = planCheck(web01);
    planCheck(web02);
    c1.replyTo().tell(new PlanQuery.Reported("web-01", report(-3, Outcome.SATISFIED)));

    time.timePasses(TIMEOUT);

    PlanResult r = reply.receiveMessage();
    assertEquals(CheckResult.TIMED_OUT, r.tasks().get(0).agents().get(1).result());
    assertEquals(PlanResult.Verdict.ERRORS, r.verdict());
    AgentSession.ForRunner dropped = web02.expectMessageClass(AgentSession.ForRunner.class);
    assertEquals(new CycleRunner.PlanCheckDropped(-3), dropped.command());
    web01.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anAgentWhoseSessionEndsDuringThePlanIsNotConnected() {
    plan(loaded(APP_V2));
    CycleRunner.PlanCheck c1 = planCheck(web01);
    planCheck(web02);
    c1.replyTo().tell(new PlanQuery.Reported("web-01", report(-3, Outcome.SATISFIED)));
    web02.stop();

    PlanResult r = reply.receiveMessage();
    PlanResult.AgentCheck gone = r.tasks().get(0).agents().get(1);
    assertEquals(CheckResult.NOT_CONNECTED, gone.result());
    assertTrue(gone.message().contains("disconnected during the plan"), gone.message());
    assertEquals(PlanResult.Verdict.NO_CHANGE, r.verdict());
  }

  @Test
  void aRefWithManifestErrorsIsAnsweredAtOnceWithThemAndNobodyIsAsked() {
    ManifestError e = new ManifestError(new SourcePos("web.fluke.hcl", 7, 3), "unknown block");
    plan(
        new ManifestSync.Planned(
            "broken",
            "c3",
            new ManifestSet(List.of(), List.of(e), List.of("web.fluke.hcl")),
            null));

    PlanResult r = reply.receiveMessage();
    assertEquals(PlanResult.Verdict.ERRORS, r.verdict());
    assertEquals(List.of(e), r.errors());
    assertTrue(r.error().contains("web.fluke.hcl:7:3: unknown block"), r.error());
    web01.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRefWithNothingNewToCheckIsAnsweredWithoutAskingAnyone() {
    plan(loaded(APP));

    PlanResult r = reply.receiveMessage();
    assertEquals(PlanResult.Verdict.NO_CHANGE, r.verdict());
    web01.expectNoMessage(Duration.ofMillis(100));
    web02.expectNoMessage(Duration.ofMillis(100));
  }
}

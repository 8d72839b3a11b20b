package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.CycleIds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

/** The registry's planner with a probe for an agent's session; time is manual. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlannerTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final TaskSpec APP = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy");
  private static final TaskSpec APP_V2 = Tasks.spec("app", DriftPolicy.REMEDIATE, "shell:deploy2");

  @TempDir Path dir;
  private TestTime time;
  private TestProbe<AgentSession.Command> web01;
  private ActorRef<Planner.Command> planner;

  @BeforeEach
  void setUp() {
    time = TestTime.of(testKit.system());
    web01 = testKit.createTestProbe();
    ServerSettings settings = ServerFixture.settings(dir, null).withClock(time.clock());
    planner = testKit.spawn(Planner.create(settings, 2));
  }

  private TestProbe<PlanResult> plan(TaskSpec... tasks) {
    TestProbe<PlanResult> reply = testKit.createTestProbe();
    planner.tell(
        new Planner.Start(
            new ManifestSync.Planned(
                "feature",
                "c2",
                new ManifestSet(List.of(tasks), List.of(), List.of("a.fluke.hcl")),
                null),
            new DesiredState("c1", List.of(APP), time.clock().instant()),
            List.of(
                new Dto.AgentSummary(
                    "web-01",
                    Map.of("role", "web"),
                    "1",
                    true,
                    null,
                    null,
                    CyclePhase.IDLE,
                    null,
                    Dto.StatusCounts.EMPTY,
                    0)),
            Map.of("web-01", web01.ref()),
            Duration.ofSeconds(30),
            time.clock().instant(),
            reply.ref()));
    return reply;
  }

  private CycleRunner.PlanCheck planCheck() {
    AgentSession.ForRunner f = web01.expectMessageClass(AgentSession.ForRunner.class);
    return assertInstanceOf(CycleRunner.PlanCheck.class, f.command());
  }

  private Set<Long> running() {
    TestProbe<Set<Long>> probe = testKit.createTestProbe();
    planner.tell(new Planner.GetRunning(probe.ref()));
    return probe.receiveMessage();
  }

  private static AgentMessage.CheckReport satisfied(long id) {
    return new AgentMessage.CheckReport(
        id,
        List.of(
            new AgentMessage.TaskOutcome(
                "app",
                List.of(
                    new AgentMessage.ExecutorOutcome(
                        "deploy2",
                        "shell",
                        TestAgent.step(Phase.CHECK, Outcome.SATISFIED),
                        null,
                        null)))));
  }

  @Test
  void eachPlanHasItsOwnPlanCycleIdOfThePlannersGenerationAndIsRunningUntilItAnswers() {
    TestProbe<PlanResult> first = plan(APP_V2);
    TestProbe<PlanResult> second = plan(APP_V2);
    CycleRunner.PlanCheck x = planCheck();
    CycleRunner.PlanCheck y = planCheck();
    // The two plans ask at the same time: take them in the order they were started.
    CycleRunner.PlanCheck a = x.cycleId() > y.cycleId() ? x : y;
    CycleRunner.PlanCheck b = a == x ? y : x;

    assertTrue(CycleIds.isPlan(a.cycleId()) && CycleIds.isPlan(b.cycleId()));
    assertEquals(-((2L << 32) | 1), a.cycleId());
    assertEquals(-((2L << 32) | 2), b.cycleId());
    assertEquals(Set.of(a.cycleId(), b.cycleId()), running());

    a.replyTo().tell(new PlanQuery.Reported("web-01", satisfied(a.cycleId())));
    assertEquals(PlanResult.Verdict.NO_CHANGE, first.receiveMessage().verdict());
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> running().equals(Set.of(b.cycleId())));
    second.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aPlanWithNothingToCheckAnswersAtOnceAndIsNoLongerRunning() {
    TestProbe<PlanResult> reply = plan(APP);

    assertEquals(PlanResult.Verdict.NO_CHANGE, reply.receiveMessage().verdict());
    web01.expectNoMessage(Duration.ofMillis(50));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> running().isEmpty());
  }
}

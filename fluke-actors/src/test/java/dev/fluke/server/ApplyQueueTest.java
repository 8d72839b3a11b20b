package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The apply queue of one agent's cycles: probes stand in for its stream and reconcilers. */
class ApplyQueueTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final TaskSpec A = Tasks.spec("a", DriftPolicy.REMEDIATE, "shell:a");
  private static final TaskSpec B = Tasks.spec("b", DriftPolicy.REMEDIATE, "shell:b");

  @TempDir Path dir;
  private TestProbe<Outbound> out;
  private AgentTasks tasks;
  private ApplyQueue queue;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    out = testKit.createTestProbe();
    TestProbe<TaskReconciler.Command> reconciler = testKit.createTestProbe();
    tasks =
        new AgentTasks(
            "web-01",
            Map.of("role", "web"),
            DriftPolicy.REMEDIATE,
            testKit.<CycleRunner.Command>createTestProbe().ref(),
            testKit.<DriftAlerter.Command>createTestProbe().ref());
    tasks.rematch(
        new DesiredState("c1", List.of(A, B), NOW),
        Map.of("a", reconciler.ref(), "b", reconciler.ref()));
    RunnerLink link =
        new RunnerLink(
            out.ref(),
            testKit.<AgentSession.Command>createTestProbe().ref(),
            new ReceivedResults(8));
    LiveHub live = new LiveHub(ServerFixture.settings(dir, null).live(), new FlukeMetrics());
    queue = new ApplyQueue("web-01", tasks, link, live, 3);
  }

  /** Cycle 7 with a and b drifted, both queued. */
  private static Cycle bothDrifted() {
    Cycle c = Cycle.checking(7, CycleRequest.AUTOMATIC, List.of(A, B));
    AgentMessage.CheckReport report =
        new AgentMessage.CheckReport(7, List.of(drifted("a"), drifted("b")));
    return assertInstanceOf(
            Cycle.Judged.class, c.onCheckReport(report, t -> DriftPolicy.REMEDIATE, true, NOW))
        .next();
  }

  private static AgentMessage.TaskOutcome drifted(String task) {
    return new AgentMessage.TaskOutcome(
        task,
        List.of(
            new AgentMessage.ExecutorOutcome(
                "shell \"" + task + "\"",
                "shell",
                TestAgent.step(Phase.CHECK, Outcome.DRIFTED),
                null,
                null)));
  }

  private ServerMessage sent() {
    return assertInstanceOf(Outbound.Send.class, out.receiveMessage()).message();
  }

  @Test
  void theNextDriftedTaskIsRequestedAndShownApplying() {
    Cycle applying = queue.next(bothDrifted());
    assertEquals(A, applying.applying());
    assertEquals(new ServerMessage.ApplyRequest(7, A), sent());
    assertEquals(Status.APPLYING, tasks.get("a").status());
    assertEquals(Status.PENDING, tasks.get("b").status());
  }

  @Test
  void aTaskNoLongerInForceIsGivenUpAndTheNextOneRequested() {
    tasks.rematch(new DesiredState("c2", List.of(B), NOW), Map.of());
    Cycle applying = queue.next(bothDrifted());
    assertEquals(B, applying.applying());
    assertEquals(new ServerMessage.ApplyRequest(7, B), sent());
  }

  @Test
  void withNothingLeftTheCycleIsSettledAndNothingIsSent() {
    tasks.rematch(new DesiredState("c2", List.of(), NOW), Map.of());
    Cycle settled = queue.next(bothDrifted());
    assertNull(settled.applying());
    assertEquals(List.of(), settled.queue());
    out.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void theOutputTailKeepsTheLastLinesOfTheRunningApplyOnly() {
    Cycle applying = queue.next(bothDrifted());
    for (String line : List.of("1", "2", "3", "4")) {
      queue.output(new AgentMessage.ApplyOutput(7, "a", "shell \"a\"", line));
    }
    assertEquals(List.of("2", "3", "4"), queue.output().lines());
    queue.next(applying.applied(TaskVerdict.error("boom")));
    assertEquals(List.of(), queue.output().lines(), "the next apply starts a new tail");
  }
}

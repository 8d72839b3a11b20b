package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** One reconcile cycle as a value: check, decide, apply queue, verify; no actors involved. */
class CycleTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final TaskSpec A = Tasks.spec("a", DriftPolicy.REMEDIATE, "shell:a");
  private static final TaskSpec B = Tasks.spec("b", DriftPolicy.ALERT_ONLY, "shell:b");
  private static final TaskSpec C = Tasks.spec("c", DriftPolicy.REMEDIATE, "shell:c");
  private static final Function<TaskSpec, DriftPolicy> CURRENT = t -> t.driftPolicy().orElseThrow();

  private static AgentMessage.CheckReport report(long cycle, Map<String, Outcome> outcomes) {
    List<TaskOutcome> tasks = new ArrayList<>();
    outcomes.forEach(
        (task, o) ->
            tasks.add(
                new TaskOutcome(
                    task,
                    List.of(
                        new ExecutorOutcome(
                            "shell \"" + task + "\"",
                            "shell",
                            TestAgent.step(Phase.CHECK, o),
                            null,
                            null)))));
    return new AgentMessage.CheckReport(cycle, tasks);
  }

  private static Cycle.Judged judge(Cycle c, AgentMessage.CheckReport r) {
    return assertInstanceOf(Cycle.Judged.class, c.onCheckReport(r, CURRENT, true, NOW));
  }

  @Test
  void driftedTasksAreQueuedInDeclarationOrderByPolicy() {
    Cycle c = Cycle.checking(7, CycleRequest.AUTOMATIC, List.of(A, B, C));
    assertEquals(CyclePhase.CHECKING, c.phase());
    Cycle.Judged j =
        judge(
            c, report(7, Map.of("c", Outcome.DRIFTED, "a", Outcome.DRIFTED, "b", Outcome.DRIFTED)));
    assertEquals(List.of(A, C), j.next().queue(), "alert_only is not applied; order kept");
    assertTrue(j.tasks().get(1).decision().alertDetected(), "b alerts instead");
    assertFalse(j.next().failed());

    Cycle first = j.next().nextApply();
    assertEquals(A, first.applying());
    assertEquals(CyclePhase.APPLYING, first.phase());
    Cycle second = first.applied(TaskVerdict.error("boom")).nextApply();
    assertEquals(C, second.applying());
    assertTrue(second.failed(), "a failed apply fails the cycle (retried later)");
    assertNull(second.applied(TaskVerdict.error("x")).nextApply(), "nothing left to apply");
  }

  @Test
  void aManualCycleAppliesEvenAlertOnlyTasks() {
    Cycle c = Cycle.checking(1, CycleRequest.manual(Set.of("b"), 9), List.of(B));
    Cycle.Judged j = judge(c, report(1, Map.of("b", Outcome.DRIFTED)));
    assertEquals(List.of(B), j.next().queue());
    assertFalse(j.tasks().get(0).decision().alertDetected());
  }

  @Test
  void executionErrorsAndUnreportedTasksAreErrorsNeverApplied() {
    Cycle c = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(A, C));
    Cycle.Judged j = judge(c, report(1, Map.of("a", Outcome.ERROR)));
    assertEquals(List.of(), j.next().queue());
    assertTrue(j.next().failed());
    assertEquals(Status.ERROR, j.tasks().get(0).verdict().status());
    assertEquals(Status.ERROR, j.tasks().get(1).verdict().status());
    assertEquals("the agent did not report this task", j.tasks().get(1).verdict().message());
  }

  @Test
  void aTaskChangedMeanwhileIsJudgedButNotDecided() {
    Cycle c = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(A));
    Cycle.CheckStep step =
        c.onCheckReport(report(1, Map.of("a", Outcome.DRIFTED)), t -> null, true, NOW);
    Cycle.Judged j = assertInstanceOf(Cycle.Judged.class, step);
    assertFalse(j.tasks().get(0).current());
    assertNull(j.tasks().get(0).decision());
    assertEquals(List.of(), j.next().queue());
  }

  @Test
  void reportsThatCannotBelongToTheCycleAreMisfits() {
    Cycle c = Cycle.checking(3, CycleRequest.AUTOMATIC, List.of(A));
    assertEquals(
        "CheckReport of cycle 3 has task 'b', which was not requested",
        assertInstanceOf(
                Cycle.Misfit.class,
                c.onCheckReport(report(3, Map.of("b", Outcome.SATISFIED)), CURRENT, true, NOW))
            .reason());
    AgentMessage.ApplyResult result =
        new AgentMessage.ApplyResult(
            3, TestAgent.applied(A, Outcome.APPLIED, Outcome.SATISFIED), false);
    assertEquals(
        "ApplyResult for task 'a' in cycle 3, which requested no apply of it", c.misfit(result));
    assertNull(
        c.misfit(new AgentMessage.ApplyResult(3, result.task(), true)),
        "a late result is never of this cycle");
    assertNull(c.misfit(new AgentMessage.ApplyResult(2, result.task(), false)), "another cycle");

    Cycle applying = judge(c, report(3, Map.of("a", Outcome.DRIFTED))).next().nextApply();
    assertNull(applying.misfit(result), "the awaited result fits");
    assertEquals(
        "CheckReport for cycle 3, which is not waiting for one",
        applying.misfit(report(3, Map.of("a", Outcome.DRIFTED))));
  }

  @Test
  void aCycleGivenUpDropsItsQueueAndCountsAsFailed() {
    Cycle c = Cycle.checking(1, CycleRequest.AUTOMATIC, List.of(A, C));
    Cycle applying =
        judge(c, report(1, Map.of("a", Outcome.DRIFTED, "c", Outcome.DRIFTED))).next().nextApply();
    Cycle given = applying.givenUp();
    assertTrue(given.failed());
    assertNull(given.nextApply());
  }
}

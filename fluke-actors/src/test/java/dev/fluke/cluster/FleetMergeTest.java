package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetMergeTest {
  private static final Instant T = Instant.parse("2026-12-05T10:00:00Z");

  private static Dto.TaskSummary task(String name, int matched, Dto.StatusCounts counts) {
    return new Dto.TaskSummary(
        name, "", "remediate", Map.of(), List.of("shell"), "a.hcl", matched, counts);
  }

  @Test
  void tasksKeepTheFirstAnswersOrderAndSumTheirAgentsAndCounts() {
    List<Dto.TaskSummary> merged =
        FleetMerge.tasks(
            List.of(
                List.of(
                    task("b", 2, new Dto.StatusCounts(2, 0, 0, 0, 0, 0)),
                    task("a", 1, new Dto.StatusCounts(0, 1, 0, 0, 0, 0))),
                List.of(
                    task("a", 3, new Dto.StatusCounts(1, 1, 1, 0, 0, 0)),
                    task("c", 1, new Dto.StatusCounts(0, 0, 0, 0, 1, 0)))));
    assertEquals(List.of("b", "a", "c"), merged.stream().map(Dto.TaskSummary::name).toList());
    assertEquals(4, merged.get(1).matchedAgents());
    assertEquals(new Dto.StatusCounts(1, 2, 1, 0, 0, 0), merged.get(1).counts());
  }

  private static Dto.RolloutStatus rollout(String state, int agents, int done, List<String> f) {
    return new Dto.RolloutStatus(
        "app",
        "c1",
        state,
        state.equals("halted") ? "canary" : "batch 2 of 2",
        1,
        2,
        agents,
        done,
        f.size(),
        0,
        agents - done - f.size(),
        1,
        "50%",
        1,
        "5m",
        T,
        null,
        state.equals("halted") ? "1 failure" : null,
        f);
  }

  @Test
  void rolloutsSumTheAgentsOfEveryNodeAndAHaltedOneHaltsTheWhole() {
    Dto.RolloutStatus merged =
        FleetMerge.rollout(
            rollout("done", 3, 3, List.of()), rollout("halted", 2, 0, List.of("w9")));
    assertEquals("halted", merged.state());
    assertEquals("canary", merged.stage());
    assertEquals(5, merged.agents());
    assertEquals(3, merged.done());
    assertEquals(List.of("w9"), merged.failedAgents());
    assertEquals("1 failure", merged.haltedReason());
  }

  @Test
  void driftKeepsOneEntryPerAgentAndTaskFromTheNodeHoldingTheAgent() {
    Map<String, List<Dto.DriftEntry>> byNode = new LinkedHashMap<>();
    byNode.put(
        "a",
        List.of(
            new Dto.DriftEntry("web-2", "app", Status.DRIFTED, "remediate", false, T, "old"),
            new Dto.DriftEntry("web-1", "app", Status.FAILED, "remediate", false, T, "")));
    byNode.put(
        "b", List.of(new Dto.DriftEntry("web-2", "app", Status.ERROR, "remediate", false, T, "")));
    List<Dto.DriftEntry> merged = FleetMerge.drift(byNode, Map.of("web-2", "b")::get);
    assertEquals(2, merged.size());
    assertEquals("web-1", merged.get(0).agent());
    assertEquals(Status.ERROR, merged.get(1).status());
  }

  @Test
  void aTaskDetailListsEachAgentOnceWithTheSummaryOfAllNodes() {
    Dto.TaskStatus s =
        new Dto.TaskStatus("app", Status.SATISFIED, "remediate", false, T, null, "", List.of());
    Map<String, Optional<Dto.TaskDetail>> byNode = new LinkedHashMap<>();
    byNode.put(
        "a",
        Optional.of(
            new Dto.TaskDetail(
                task("app", 2, new Dto.StatusCounts(2, 0, 0, 0, 0, 0)),
                List.of(),
                List.of(
                    new Dto.AgentTaskStatus("web-2", false, s),
                    new Dto.AgentTaskStatus("web-1", true, s)))));
    byNode.put("b", Optional.empty());
    byNode.put(
        "c",
        Optional.of(
            new Dto.TaskDetail(
                task("app", 1, new Dto.StatusCounts(1, 0, 0, 0, 0, 0)),
                List.of(),
                List.of(new Dto.AgentTaskStatus("web-2", true, s)))));
    Dto.TaskDetail merged = FleetMerge.task(byNode, Map.of("web-2", "c")::get).orElseThrow();
    assertEquals(3, merged.task().matchedAgents());
    assertEquals(
        List.of("web-1", "web-2"),
        merged.agents().stream().map(Dto.AgentTaskStatus::agent).toList());
    assertTrue(merged.agents().get(1).connected());
    assertTrue(FleetMerge.task(Map.of("a", Optional.empty()), n -> null).isEmpty());
  }

  @Test
  void aFleetReconcileIsAcceptedWhenAnyNodeAcceptedAndNamesTheNodesThatDidNotAnswer() {
    Dto.ReconcileAccepted a =
        new Dto.ReconcileAccepted(
            true,
            "manual reconcile started on 1 agent(s); task app is suspended by alice: why",
            Dto.ReconcileTarget.ALL,
            List.of("web-1"),
            T,
            20);
    Dto.ReconcileAccepted b =
        new Dto.ReconcileAccepted(
            true, "no agent is connected", Dto.ReconcileTarget.ALL, List.of(), T, 10);
    Dto.ReconcileAccepted merged =
        FleetMerge.reconcile(Dto.ReconcileTarget.ALL, List.of(a, b), List.of("node-c"), T);
    assertTrue(merged.accepted());
    assertEquals(List.of("web-1"), merged.agents());
    assertEquals(10, merged.requestId());
    assertEquals(
        "manual reconcile started on 1 agent(s); task app is suspended by alice: why; 1 server"
            + " node(s) did not answer, their agents were not reconciled: node-c",
        merged.message());

    Dto.ReconcileAccepted unknown =
        new Dto.ReconcileAccepted(
            false, "no task named nope", Dto.ReconcileTarget.task("nope"), List.of(), T, 3);
    Dto.ReconcileAccepted refused =
        FleetMerge.reconcile(
            Dto.ReconcileTarget.task("nope"), List.of(unknown, unknown), List.of(), T);
    assertFalse(refused.accepted());
    assertEquals("no task named nope", refused.message());
  }

  @Test
  void suspensionsAreOnePerScopeTheNewestWinningFleetFirst() {
    Suspension older = new Suspension(TargetKind.TASK, "app", "bob", "old", T, null);
    Suspension newer =
        new Suspension(TargetKind.TASK, "app", "alice", "new", T.plusSeconds(5), null);
    Suspension fleet = new Suspension(TargetKind.ALL, null, "carol", "freeze", T, null);
    List<Suspension> merged =
        FleetMerge.suspensions(List.of(List.of(older), List.of(newer, fleet)));
    assertEquals(List.of(fleet, newer), merged);
  }

  private static dev.fluke.api.PlanResult plan(
      dev.fluke.api.PlanResult.Verdict verdict,
      String agent,
      dev.fluke.api.PlanResult.CheckResult r) {
    return new dev.fluke.api.PlanResult(
        "feature",
        "c2",
        "c1",
        verdict,
        null,
        List.of(),
        List.of(
            new dev.fluke.api.PlanResult.PlanTask(
                "app",
                dev.fluke.api.PlanResult.Change.CHANGED,
                List.of(new dev.fluke.api.PlanResult.AgentCheck(agent, r, "")))),
        List.of(new dev.fluke.api.PlanResult.AgentChange(agent, true, List.of("app"), List.of())),
        T,
        T.plusSeconds(1));
  }

  @Test
  void aPlanMergesEveryNodesAgentsAndANodeThatDidNotAnswerMakesItAnError() {
    var changes =
        plan(
            dev.fluke.api.PlanResult.Verdict.CHANGES,
            "web-1",
            dev.fluke.api.PlanResult.CheckResult.WOULD_APPLY);
    var none =
        plan(
            dev.fluke.api.PlanResult.Verdict.NO_CHANGE,
            "web-2",
            dev.fluke.api.PlanResult.CheckResult.NO_CHANGE);
    dev.fluke.api.PlanResult merged = FleetMerge.plan(List.of(none, changes), List.of());
    assertEquals(dev.fluke.api.PlanResult.Verdict.CHANGES, merged.verdict());
    assertEquals(1, merged.tasks().size());
    assertEquals(
        List.of("web-1", "web-2"),
        merged.tasks().get(0).agents().stream()
            .map(dev.fluke.api.PlanResult.AgentCheck::agent)
            .toList());
    assertEquals(2, merged.agents().size());

    dev.fluke.api.PlanResult partial = FleetMerge.plan(List.of(none), List.of("node-c"));
    assertEquals(dev.fluke.api.PlanResult.Verdict.ERRORS, partial.verdict());
    assertTrue(partial.error().contains("node-c"), partial.error());
  }
}

package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.api.PlanResult.Change;
import dev.fluke.api.PlanResult.CheckResult;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanDiffTest {
  private static final Instant T = Instant.parse("2026-12-05T08:00:00Z");

  private static TaskSpec task(String name, String role, String command, int line) {
    return new TaskSpec(
        name,
        "",
        Optional.empty(),
        new Selector(Map.of("role", role)),
        List.of(
            new ExecutorSpec(
                "shell",
                "run",
                Map.of("check", command),
                OnFailure.ABORT,
                new SourcePos("a.fluke.hcl", line + 1, 3))),
        new SourcePos("a.fluke.hcl", line, 1));
  }

  private static Dto.AgentSummary agent(String name, String role, boolean connected) {
    return new Dto.AgentSummary(
        name,
        Map.of("role", role),
        "1",
        connected,
        T,
        T,
        CyclePhase.IDLE,
        null,
        Dto.StatusCounts.EMPTY,
        0);
  }

  private static final List<Dto.AgentSummary> FLEET =
      List.of(
          agent("web-02", "web", true), agent("web-01", "web", true), agent("db-01", "db", false));

  private static AgentMessage.CheckReport report(Map<String, Outcome> outcomes) {
    return new AgentMessage.CheckReport(
        -1,
        outcomes.entrySet().stream()
            .map(
                e ->
                    new AgentMessage.TaskOutcome(
                        e.getKey(),
                        List.of(
                            new AgentMessage.ExecutorOutcome(
                                "run",
                                "shell",
                                TestAgent.step(Phase.CHECK, e.getValue()),
                                null,
                                null))))
            .toList());
  }

  @Test
  void aTaskMovedToAnotherLineIsUnchangedAndNothingIsChecked() {
    PlanDiff d =
        PlanDiff.of(
            List.of(task("app", "web", "true", 1)), List.of(task("app", "web", "true", 40)), FLEET);

    assertEquals(Change.UNCHANGED, d.tasks().get(0).change());
    assertTrue(d.checks().isEmpty());
    assertTrue(d.agents().isEmpty());
    PlanResult r = d.result("main", "c2", "c1", Set.of("web-01", "web-02"), Map.of(), T, T);
    assertEquals(PlanResult.Verdict.NO_CHANGE, r.verdict());
    assertEquals(0, r.verdict().exitCode());
  }

  @Test
  void newAndChangedTasksAreCheckedOnTheConnectedAgentsTheyWouldMatchInDeclarationOrder() {
    PlanDiff d =
        PlanDiff.of(
            List.of(task("app", "web", "v1", 1), task("gone", "web", "x", 5)),
            List.of(
                task("app", "web", "v2", 1),
                task("cert", "web", "c", 9),
                task("dbtune", "db", "d", 12)),
            FLEET);

    assertEquals(
        List.of(Change.CHANGED, Change.NEW, Change.NEW, Change.REMOVED),
        d.tasks().stream().map(PlanDiff.TaskDiff::change).toList());
    assertEquals(List.of("web-01", "web-02"), d.tasks().get(0).matched(), "sorted by name");
    assertEquals(List.of("db-01"), d.tasks().get(2).matched());
    assertEquals(Set.of("web-01", "web-02"), d.checks().keySet(), "db-01 is not connected");
    assertEquals(
        List.of("app", "cert"), d.checks().get("web-01").stream().map(TaskSpec::name).toList());
    assertEquals(
        List.of(
            new PlanResult.AgentChange("db-01", false, List.of("dbtune"), List.of()),
            new PlanResult.AgentChange("web-01", true, List.of("cert"), List.of("gone")),
            new PlanResult.AgentChange("web-02", true, List.of("cert"), List.of("gone"))),
        d.agents());
  }

  @Test
  void theResultSaysPerTaskAndAgentWhatMergingWouldDoAndItsVerdict() {
    PlanDiff d =
        PlanDiff.of(
            List.of(task("app", "web", "v1", 1)),
            List.of(task("app", "web", "v2", 1), task("dbtune", "db", "d", 12)),
            FLEET);

    PlanResult r =
        d.result(
            "feature",
            "c2",
            "c1",
            Set.of("web-01", "web-02"),
            Map.of("web-01", new PlanDiff.Answer.Reported(report(Map.of("app", Outcome.DRIFTED)))),
            T,
            T);

    PlanResult.PlanTask app = r.tasks().get(0);
    assertEquals(CheckResult.WOULD_APPLY, app.agents().get(0).result());
    assertEquals(CheckResult.TIMED_OUT, app.agents().get(1).result(), "web-02 never answered");
    assertEquals(CheckResult.NOT_CONNECTED, r.tasks().get(1).agents().get(0).result());
    assertEquals(PlanResult.Verdict.ERRORS, r.verdict(), "a check without an answer is an error");
    assertEquals(1, r.verdict().exitCode());

    PlanResult answered =
        d.result(
            "feature",
            "c2",
            "c1",
            Set.of("web-01", "web-02"),
            Map.of(
                "web-01", new PlanDiff.Answer.Reported(report(Map.of("app", Outcome.SATISFIED))),
                "web-02", new PlanDiff.Answer.Reported(report(Map.of("app", Outcome.DRIFTED)))),
            T,
            T);
    assertEquals(CheckResult.NO_CHANGE, answered.tasks().get(0).agents().get(0).result());
    assertEquals(CheckResult.WOULD_APPLY, answered.tasks().get(0).agents().get(1).result());
    assertEquals(PlanResult.Verdict.CHANGES, answered.verdict());
    assertEquals(2, answered.verdict().exitCode());
  }

  @Test
  void aCheckThatCannotRunOrIsMissingFromTheReportIsAnError() {
    PlanDiff d =
        PlanDiff.of(
            List.of(),
            List.of(task("app", "web", "v", 1), task("cert", "web", "c", 2)),
            List.of(agent("web-01", "web", true)));
    PlanResult r =
        d.result(
            "x",
            "c",
            null,
            Set.of("web-01"),
            Map.of("web-01", new PlanDiff.Answer.Reported(report(Map.of("app", Outcome.ERROR)))),
            T,
            T);
    assertEquals(CheckResult.ERROR, r.tasks().get(0).agents().get(0).result());
    assertEquals(CheckResult.ERROR, r.tasks().get(1).agents().get(0).result());
    assertTrue(r.tasks().get(1).agents().get(0).message().contains("no check"));
    assertEquals(PlanResult.Verdict.ERRORS, r.verdict());
  }

  @Test
  void onlyChangesWithoutDriftStillCountWhenAnAgentGainsOrLosesATask() {
    PlanDiff d =
        PlanDiff.of(
            List.of(task("app", "web", "v", 1), task("old", "web", "o", 2)),
            List.of(task("app", "web", "v", 1)),
            List.of(agent("web-01", "web", true)));
    assertTrue(d.checks().isEmpty(), "nothing new to check");
    PlanResult r = d.result("x", "c", "c0", Set.of("web-01"), Map.of(), T, T);
    assertEquals(PlanResult.Verdict.CHANGES, r.verdict(), "web-01 would stop reconciling old");
    assertFalse(r.agents().isEmpty());
  }

  @Test
  void definitionsDifferInAnythingButWhereTheyAreWritten() {
    assertTrue(PlanDiff.sameDefinition(task("a", "web", "x", 1), task("a", "web", "x", 99)));
    assertFalse(PlanDiff.sameDefinition(task("a", "web", "x", 1), task("a", "db", "x", 1)));
    assertFalse(PlanDiff.sameDefinition(task("a", "web", "x", 1), task("a", "web", "y", 1)));
  }
}

package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.exec.ExecContext;
import dev.fluke.exec.Executor;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import dev.fluke.schema.Schema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskRunnerTest {

  private final AgentSettings settings =
      AgentSettings.create(ConfigFactory.load()).withName("test");
  private final Script script = new Script();

  private TaskRunner runner(Map<String, Executor> executors) {
    return new TaskRunner(executors, settings.exec());
  }

  @Test
  void blockOfAnExecutorTypeTheAgentLacksIsAnError() {
    TaskRunner runner = runner(script.executors("shell"));

    CheckReport report = runner.check(1, List.of(task("t", block("systemd", "app"))), () -> false);

    StepResult check = report.tasks().get(0).executors().get(0).check();
    assertEquals(Outcome.ERROR, check.outcome());
    assertTrue(check.message().contains("no 'systemd' executor"), check.message());
  }

  @Test
  void theChecksOfAPlanRunAsADryRunAndThoseOfACycleDoNot() {
    List<Boolean> dryRuns = new ArrayList<>();
    Executor recording =
        new Executor() {
          @Override
          public String type() {
            return "rec";
          }

          @Override
          public Schema schema() {
            return Schema.of();
          }

          @Override
          public StepResult check(ExecutorSpec spec, ExecContext ctx) {
            dryRuns.add(ctx.dryRun());
            return new StepResult(Phase.CHECK, Outcome.SATISFIED, 0, "", Duration.ZERO, "");
          }

          @Override
          public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
            throw new AssertionError("never applied");
          }
        };
    TaskRunner runner = runner(Map.of("rec", recording));

    runner.check(5, List.of(task("t", block("rec", "r"))), () -> false);
    runner.check(-5, List.of(task("t", block("rec", "r"))), () -> false);

    assertEquals(List.of(false, true), dryRuns);
  }

  @Test
  void executorThatThrowsOrReturnsNonsenseGivesAnErrorInsteadOfKillingTheAgent() {
    Map<String, Executor> executors = new HashMap<>(script.executors("shell"));
    executors.put(
        "broken",
        new Executor() {
          @Override
          public String type() {
            return "broken";
          }

          @Override
          public Schema schema() {
            return Schema.of();
          }

          @Override
          public StepResult check(ExecutorSpec spec, ExecContext ctx) {
            return new StepResult(Phase.CHECK, Outcome.APPLIED, 0, "", Duration.ZERO, "");
          }

          @Override
          public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
            throw new IllegalStateException("boom");
          }
        });
    TaskRunner runner = runner(executors);

    CheckReport report = runner.check(1, List.of(task("t", block("broken", "b"))), () -> false);

    StepResult check = report.tasks().get(0).executors().get(0).check();
    assertEquals(Outcome.ERROR, check.outcome());
    assertTrue(check.message().contains("returned applied for a check"), check.message());
  }

  @Test
  void cancelledBeforeABlockStartsSkipsItAndEverythingAfter() {
    TaskRunner runner = runner(script.executors("shell"));
    Cancellation cancelled = new Cancellation();
    ExecutorSpec first =
        block("shell", "a", OnFailure.CONTINUE, "check", "drifted,satisfied", "lines", "1");
    ExecutorSpec second = block("shell", "b", OnFailure.CONTINUE);

    TaskOutcome outcome =
        runner.apply(
            task("t", first, second),
            cancelled,
            (executor, line) -> cancelled.cancel(null),
            TaskRunner.Progress.NONE);

    assertEquals(Outcome.APPLIED, outcome.executors().get(0).apply().outcome());
    assertEquals(Outcome.SKIPPED, outcome.executors().get(0).verify().outcome());
    ExecutorOutcome b = outcome.executors().get(1);
    assertEquals(Outcome.SKIPPED, b.check().outcome());
    assertEquals("cancelled", b.check().message());
    assertNull(b.apply());
  }

  @Test
  void anApplyReportsEveryProcessItStartsAndEveryBlockItFinishes() {
    TaskRunner runner = runner(script.executors("shell", "mise"));
    List<String> progress = new ArrayList<>();

    runner.apply(
        task(
            "t",
            block("shell", "a", "check", "drifted,satisfied", "process", "y"),
            block("mise", "b", "process", "y")),
        new Cancellation(),
        (executor, line) -> {},
        new TaskRunner.Progress() {
          @Override
          public void blockDone(ExecutorOutcome outcome) {
            progress.add("done " + outcome.executor());
          }

          @Override
          public void processStarted(int block, Phase phase, ProcessHandle process) {
            progress.add(block + " " + phase.wireName() + " " + process.pid());
          }
        });

    long pid = ProcessHandle.current().pid();
    assertEquals(
        List.of(
            "0 check " + pid,
            "0 apply " + pid,
            "0 verify " + pid,
            "done a",
            "1 check " + pid,
            "done b"),
        progress);
  }

  @Test
  void aCancellationWithAReasonSaysItInTheStepItStoppedAndInTheSkippedOnes() {
    TaskRunner runner = runner(script.executors("shell"));
    Cancellation cancelled = new Cancellation();
    String why = "the agent was stopping and its stop_grace of 2m ran out";

    TaskOutcome outcome =
        runner.apply(
            task(
                "t",
                block("shell", "a", "check", "drifted", "lines", "1", "gate", "g"),
                block("shell", "b")),
            cancelled,
            (executor, line) -> cancelled.cancel(why),
            TaskRunner.Progress.NONE);

    ExecutorOutcome a = outcome.executors().get(0);
    assertEquals(Outcome.ERROR, a.apply().outcome());
    assertEquals("cancelled; " + why, a.apply().message());
    assertEquals("cancelled: " + why, outcome.executors().get(1).check().message());
  }

  @Test
  void failedMeansTheBlockDidNotEndSatisfied() {
    StepResult ok = new StepResult(Phase.CHECK, Outcome.SATISFIED, 0, "", Duration.ZERO, "");
    StepResult drifted = new StepResult(Phase.CHECK, Outcome.DRIFTED, 1, "", Duration.ZERO, "");
    StepResult applied = new StepResult(Phase.APPLY, Outcome.APPLIED, 0, "", Duration.ZERO, "");
    StepResult verified = new StepResult(Phase.VERIFY, Outcome.SATISFIED, 0, "", Duration.ZERO, "");
    StepResult stillDrifted =
        new StepResult(Phase.VERIFY, Outcome.DRIFTED, 1, "", Duration.ZERO, "");

    assertEquals(false, TaskRunner.failed(new ExecutorOutcome("a", "shell", ok, null, null)));
    assertEquals(
        false, TaskRunner.failed(new ExecutorOutcome("a", "shell", drifted, applied, verified)));
    assertEquals(
        true, TaskRunner.failed(new ExecutorOutcome("a", "shell", drifted, applied, stillDrifted)));
    assertEquals(
        true,
        TaskRunner.failed(
            new ExecutorOutcome(
                "a", "shell", StepResult.error(Phase.CHECK, "x", Duration.ZERO), null, null)));
  }
}

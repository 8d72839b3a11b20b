package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.agent.AgentJournal.Block;
import dev.fluke.agent.AgentJournal.RunningApply;
import dev.fluke.agent.AgentJournal.RunningProcess;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.exec.StepResult;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterruptedApplyTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final List<Block> BLOCKS =
      List.of(new Block("pre", "shell"), new Block("app", "mise"), new Block("post", "shell"));
  private static final ExecutorOutcome PRE_DONE =
      new ExecutorOutcome(
          "pre",
          "shell",
          new StepResult(Phase.CHECK, Outcome.SATISFIED, 0, "", Duration.ofMillis(3), "exit 0"),
          null,
          null);

  private static RunningApply running(List<ExecutorOutcome> done, RunningProcess process) {
    return new RunningApply(9, "deploy", BLOCKS, T0, done, process);
  }

  private static RunningProcess process(int block, Phase phase) {
    return new RunningProcess(block, phase, new ProcessTree.Identity(77, 1, T0));
  }

  @Test
  void finishedBlocksKeepTheirOutcomesTheInterruptedStepIsAnErrorAndTheRestIsSkipped() {
    ApplyResult r =
        InterruptedApply.result(
            running(List.of(PRE_DONE), process(1, Phase.APPLY)), "its command (pid 77) was killed");

    assertEquals(9, r.cycleId());
    assertTrue(r.late());
    assertEquals("deploy", r.task().task());
    List<ExecutorOutcome> blocks = r.task().executors();
    assertEquals(
        List.of("pre", "app", "post"), blocks.stream().map(ExecutorOutcome::executor).toList());
    assertEquals(PRE_DONE, blocks.get(0));
    ExecutorOutcome app = blocks.get(1);
    assertEquals("mise", app.type());
    assertEquals(Outcome.DRIFTED, app.check().outcome(), "the apply ran: its check was drifted");
    assertEquals(Outcome.ERROR, app.apply().outcome());
    assertEquals(Phase.APPLY, app.apply().phase());
    assertEquals(
        "interrupted: the agent restarted while this apply ran; its command (pid 77) was killed",
        app.apply().message());
    assertNull(app.verify());
    assertEquals(Outcome.SKIPPED, blocks.get(2).check().outcome());
    assertTrue(TaskRunner.failed(app));
  }

  @Test
  void theStepItWasInDecidesWhereTheErrorGoes() {
    ExecutorOutcome inCheck =
        InterruptedApply.result(running(List.of(), process(0, Phase.CHECK)), "x")
            .task()
            .executors()
            .get(0);
    assertEquals(Outcome.ERROR, inCheck.check().outcome());
    assertNull(inCheck.apply());

    ExecutorOutcome inVerify =
        InterruptedApply.result(running(List.of(), process(0, Phase.VERIFY)), "x")
            .task()
            .executors()
            .get(0);
    assertEquals(Outcome.DRIFTED, inVerify.check().outcome());
    assertEquals(Outcome.APPLIED, inVerify.apply().outcome());
    assertEquals(Outcome.ERROR, inVerify.verify().outcome());

    // No process recorded for this block yet (an earlier block's process ran last): its check.
    ExecutorOutcome notStarted =
        InterruptedApply.result(running(List.of(PRE_DONE), process(0, Phase.APPLY)), "x")
            .task()
            .executors()
            .get(1);
    assertEquals(Outcome.ERROR, notStarted.check().outcome());
  }
}

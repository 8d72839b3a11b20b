package dev.fluke.agent;

import dev.fluke.agent.AgentJournal.Block;
import dev.fluke.agent.AgentJournal.RunningApply;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of an apply that a previous agent process did not finish (it was killed, crashed, or
 * its stop grace ran out before the result was recorded), as the journal saw it: the blocks it
 * finished with their real outcomes; the block it was at with the step it was in as an ERROR that
 * says what happened (the steps before that one in the block are what made it run: a drifted check,
 * a successful apply); the blocks after it SKIPPED. Sent late, like any result of an earlier
 * connection.
 */
final class InterruptedApply {
  static final String PREFIX = "interrupted: the agent restarted while this apply ran; ";
  private static final String RECORDED = "(recorded before the agent restarted; details lost)";

  private InterruptedApply() {}

  /**
   * @param what what became of the command it was running, e.g. "its command (pid 42) was killed"
   */
  static ApplyResult result(RunningApply r, String what) {
    String message = PREFIX + what;
    List<ExecutorOutcome> blocks = new ArrayList<>(r.done());
    int at = blocks.size();
    for (int i = at; i < r.blocks().size(); i++) {
      Block b = r.blocks().get(i);
      if (i == at) {
        Phase phase =
            r.process() != null && r.process().block() == at ? r.process().phase() : Phase.CHECK;
        blocks.add(interrupted(b, phase, message));
      } else {
        blocks.add(
            new ExecutorOutcome(
                b.name(),
                b.type(),
                StepResult.skipped(Phase.CHECK, "not run: the agent restarted during this apply"),
                null,
                null));
      }
    }
    return new ApplyResult(r.cycleId(), new TaskOutcome(r.task(), blocks), true);
  }

  private static ExecutorOutcome interrupted(Block b, Phase phase, String message) {
    StepResult error = StepResult.error(phase, message, Duration.ZERO);
    StepResult drifted =
        new StepResult(Phase.CHECK, Outcome.DRIFTED, -1, "", Duration.ZERO, "drifted " + RECORDED);
    return switch (phase) {
      case CHECK -> new ExecutorOutcome(b.name(), b.type(), error, null, null);
      case APPLY -> new ExecutorOutcome(b.name(), b.type(), drifted, error, null);
      case VERIFY ->
          new ExecutorOutcome(
              b.name(),
              b.type(),
              drifted,
              new StepResult(
                  Phase.APPLY, Outcome.APPLIED, -1, "", Duration.ZERO, "applied " + RECORDED),
              error);
    };
  }
}

package dev.fluke.server;

import static dev.fluke.api.Status.DRIFTED;
import static dev.fluke.api.Status.ERROR;
import static dev.fluke.api.Status.FAILED;
import static dev.fluke.api.Status.PENDING;
import static dev.fluke.api.Status.SATISFIED;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The status of one task on one agent, derived from what the agent reported (pure; tested
 * directly).
 *
 * @param status the task's status
 * @param message why, for people ("" when satisfied)
 * @param executors one entry per reported executor block
 */
record TaskVerdict(Status status, String message, List<Dto.ExecutorStatus> executors) {

  /** SPEC §4: a check that still fails right after a successful apply is reported as such. */
  static final String STILL_DRIFTED =
      "check still fails after a successful apply: the task's check or apply is wrong";

  TaskVerdict {
    executors = List.copyOf(executors);
  }

  /** An execution error the server noticed itself (no report, a timeout). */
  static TaskVerdict error(String message) {
    return new TaskVerdict(ERROR, message, List.of());
  }

  /** The outcome word of {@code drift_remediated}: applied, failed or error. */
  String remediationOutcome() {
    return switch (status) {
      case SATISFIED -> "applied";
      case ERROR -> "error";
      default -> "failed";
    };
  }

  /** The verdict of a CheckReport entry: only {@code check} steps are looked at. */
  static TaskVerdict ofCheck(TaskSpec spec, TaskOutcome outcome, Instant now) {
    return judge(spec, outcome, now, TaskVerdict::judgeCheck);
  }

  /**
   * The verdict of an ApplyResult: per block the verify, else the apply, else the fresh check
   * counts.
   */
  static TaskVerdict ofApply(TaskSpec spec, TaskOutcome outcome, Instant now) {
    return judge(spec, outcome, now, TaskVerdict::judgeApply);
  }

  /** What one block's results say: its status, why, and the step shown for it. */
  private record BlockJudgement(
      Status status, String message, StepResult shown, boolean stillDrifted) {}

  private static BlockJudgement judgeCheck(String label, ExecutorOutcome eo) {
    StepResult check = eo.check();
    if (check == null) {
      return new BlockJudgement(ERROR, label + ": the agent reported no check result", null, false);
    }
    return new BlockJudgement(
        checkStatus(check.outcome()), stepMessage(label, "check", check), check, false);
  }

  private static BlockJudgement judgeApply(String label, ExecutorOutcome eo) {
    if (eo.verify() != null) {
      StepResult verify = eo.verify();
      if (verify.outcome() == Outcome.DRIFTED) {
        return new BlockJudgement(FAILED, STILL_DRIFTED, verify, true);
      }
      return new BlockJudgement(
          checkStatus(verify.outcome()), stepMessage(label, "verify", verify), verify, false);
    }
    if (eo.apply() != null) {
      StepResult apply = eo.apply();
      Status status = apply.outcome() == Outcome.APPLIED ? SATISFIED : FAILED;
      return new BlockJudgement(status, stepMessage(label, "apply", apply), apply, false);
    }
    return judgeCheck(label, eo);
  }

  // The worst block speaks for the task; "check or apply is wrong" above all.
  private static TaskVerdict judge(
      TaskSpec spec,
      TaskOutcome outcome,
      Instant now,
      java.util.function.BiFunction<String, ExecutorOutcome, BlockJudgement> judgeBlock) {
    if (outcome.executors().isEmpty() && !spec.executors().isEmpty()) {
      return new TaskVerdict(ERROR, "the agent reported no executor outcomes", List.of());
    }
    List<Dto.ExecutorStatus> execs = new ArrayList<>();
    BlockJudgement worst = null;
    for (int i = 0; i < outcome.executors().size(); i++) {
      ExecutorOutcome eo = outcome.executors().get(i);
      BlockJudgement j = judgeBlock.apply(label(spec, eo, i), eo);
      execs.add(executorStatus(spec, eo, i, j.status(), j.shown(), j.message(), now));
      if (rank(j) > (worst == null ? 0 : rank(worst))) {
        worst = j;
      }
    }
    return worst == null
        ? new TaskVerdict(SATISFIED, "", execs)
        : new TaskVerdict(worst.status(), worst.message(), execs);
  }

  /** Executor statuses of a task that has not been checked yet. */
  static List<Dto.ExecutorStatus> pendingExecutors(TaskSpec spec) {
    List<Dto.ExecutorStatus> out = new ArrayList<>();
    for (ExecutorSpec e : spec.executors()) {
      out.add(new Dto.ExecutorStatus(e.name(), e.type(), PENDING, "", -1, "", "", null));
    }
    return out;
  }

  private static Status checkStatus(Outcome o) {
    return switch (o) {
      case SATISFIED, APPLIED -> SATISFIED;
      case DRIFTED -> DRIFTED;
      case SKIPPED -> PENDING;
      case FAILED -> FAILED;
      case ERROR -> ERROR;
    };
  }

  private static int rank(BlockJudgement j) {
    if (j.stillDrifted()) {
      return 6;
    }
    return switch (j.status()) {
      case FAILED -> 5;
      case ERROR -> 4;
      case DRIFTED -> 3;
      case PENDING -> 2;
      default -> 0;
    };
  }

  private static String stepMessage(String label, String what, StepResult step) {
    return switch (step.outcome()) {
      case SATISFIED, APPLIED -> "";
      case SKIPPED -> label + ": skipped" + suffix(step.message());
      case DRIFTED -> label + ": " + what + " exited " + step.exitCode() + detail(step);
      case FAILED -> label + ": " + what + " failed (exit " + step.exitCode() + ")" + detail(step);
      case ERROR -> label + ": " + what + " could not run" + suffix(step.message());
    };
  }

  /** The step's own message unless it only repeats the exit code already said. */
  private static String detail(StepResult step) {
    return step.message().equals("exit " + step.exitCode()) ? "" : suffix(step.message());
  }

  private static String suffix(String message) {
    return message == null || message.isEmpty() ? "" : ": " + message;
  }

  private static Dto.ExecutorStatus executorStatus(
      TaskSpec spec,
      ExecutorOutcome eo,
      int index,
      Status status,
      StepResult step,
      String message,
      Instant now) {
    ExecutorSpec match = match(spec, eo, index);
    String name = match != null ? match.name() : eo.executor();
    String type = match != null ? match.type() : eo.type();
    return new Dto.ExecutorStatus(
        name,
        type,
        status,
        step == null ? "" : step.phase().wireName(),
        step == null ? -1 : step.exitCode(),
        step == null ? "" : step.output(),
        message,
        now);
  }

  private static String label(TaskSpec spec, ExecutorOutcome eo, int index) {
    ExecutorSpec match = match(spec, eo, index);
    return match != null ? match.label() : eo.executor();
  }

  /**
   * The spec block an outcome is about. Agents name blocks by label ({@code shell "marker"}) or by
   * name; outcomes come in declaration order, so the position decides when the name is ambiguous.
   */
  static ExecutorSpec match(TaskSpec spec, ExecutorOutcome eo, int index) {
    List<ExecutorSpec> execs = spec.executors();
    if (index < execs.size()) {
      ExecutorSpec at = execs.get(index);
      if (eo.executor() == null
          || eo.executor().equals(at.label())
          || eo.executor().equals(at.name())) {
        return at;
      }
    }
    for (ExecutorSpec e : execs) {
      if (e.label().equals(eo.executor())) {
        return e;
      }
    }
    for (ExecutorSpec e : execs) {
      if (e.name().equals(eo.executor()) && (eo.type() == null || eo.type().equals(e.type()))) {
        return e;
      }
    }
    return null;
  }
}

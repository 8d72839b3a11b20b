package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one agent's {@link CycleRunner} knows about one matched task: the spec, the effective policy
 * and the current status. Immutable: every change returns the next state; {@link #toStatus()} is
 * the read model pushed to the task's reconciler and served by the API.
 *
 * @param since when the task last stopped being satisfied (null while satisfied or unknown)
 * @param alerted an alert went out for the current drift episode
 */
record TaskState(
    TaskSpec spec,
    DriftPolicy policy,
    Status status,
    String message,
    boolean alerted,
    Instant since,
    Instant lastCheckedAt,
    Instant lastAppliedAt,
    List<Dto.ExecutorStatus> executors) {

  static TaskState pending(TaskSpec spec, DriftPolicy policy) {
    return new TaskState(
        spec,
        policy,
        Status.PENDING,
        "",
        false,
        null,
        null,
        null,
        TaskVerdict.pendingExecutors(spec));
  }

  /** The same task under a (possibly) new definition or policy; what is known of it stays. */
  TaskState redefine(TaskSpec newSpec, DriftPolicy newPolicy) {
    List<Dto.ExecutorStatus> execs =
        newSpec.executors().equals(spec.executors())
            ? executors
            : TaskVerdict.pendingExecutors(newSpec);
    return new TaskState(
        newSpec, newPolicy, status, message, alerted, since, lastCheckedAt, lastAppliedAt, execs);
  }

  /**
   * Takes the verdict of a check ({@code applied} false) or of an apply.
   *
   * <p>A {@code failed} verdict (the apply failed, or the check still fails right after a
   * successful apply) holds until the task is applied again, found satisfied, or cannot be checked:
   * a later check that only finds it still drifted has nothing new to say, and turning it back into
   * plain {@code drifted} would hide that the last attempt to fix it did not work (SPEC §4; docs/
   * architecture.md). The check's time is recorded all the same.
   */
  TaskState judged(TaskVerdict verdict, Instant now, boolean applied) {
    Instant checked = now;
    Instant appliedAt = applied ? now : lastAppliedAt;
    if (!applied && status == Status.FAILED && verdict.status() == Status.DRIFTED) {
      return new TaskState(
          spec, policy, status, message, alerted, since, checked, appliedAt, executors);
    }
    boolean satisfied = verdict.status() == Status.SATISFIED;
    return new TaskState(
        spec,
        policy,
        verdict.status(),
        verdict.message(),
        !satisfied && alerted,
        satisfied ? null : since == null ? now : since,
        checked,
        appliedAt,
        verdict.executors());
  }

  /** True when this state ends a drift episode that {@code before} was in. */
  boolean episodeEndedSince(TaskState before) {
    return status == Status.SATISFIED && before.status != Status.SATISFIED;
  }

  TaskState applying() {
    return new TaskState(
        spec, policy, Status.APPLYING, "", alerted, since, lastCheckedAt, lastAppliedAt, executors);
  }

  /** The server gave up waiting for the agent. */
  TaskState timedOut(String why, Instant now) {
    return new TaskState(
        spec,
        policy,
        Status.ERROR,
        why,
        alerted,
        since == null ? now : since,
        lastCheckedAt,
        lastAppliedAt,
        executors);
  }

  /**
   * The flap guard holds the task (issue 10): status {@code flapping} with {@code why}; the check's
   * verdict (time, blocks) is kept.
   */
  TaskState flapping(String why) {
    return new TaskState(
        spec,
        policy,
        Status.FLAPPING,
        why,
        alerted,
        since,
        lastCheckedAt,
        lastAppliedAt,
        executors);
  }

  /**
   * The task stays as judged but is not applied now ({@code why}: waiting for a dependency, or held
   * by its rollout): the reason is its message.
   */
  TaskState held(String why) {
    return new TaskState(
        spec, policy, status, why, alerted, since, lastCheckedAt, lastAppliedAt, executors);
  }

  TaskState withAlerted() {
    return new TaskState(
        spec, policy, status, message, true, since, lastCheckedAt, lastAppliedAt, executors);
  }

  Dto.TaskStatus toStatus() {
    return toStatus(executors);
  }

  private Dto.TaskStatus toStatus(List<Dto.ExecutorStatus> blocks) {
    return new Dto.TaskStatus(
        spec.name(),
        status,
        policy.hclName(),
        alerted,
        lastCheckedAt,
        lastAppliedAt,
        message,
        blocks);
  }

  /** The status with the live output of a running apply shown on the block that produces it. */
  Dto.TaskStatus toStatus(String outputExecutor, List<String> outputLines, Instant now) {
    if (outputExecutor == null) {
      return toStatus();
    }
    List<Dto.ExecutorStatus> live = new ArrayList<>();
    String output = String.join("\n", outputLines);
    boolean found = false;
    for (Dto.ExecutorStatus e : executors) {
      if (!found
          && (outputExecutor.equals(e.name())
              || outputExecutor.equals(e.type() + " \"" + e.name() + "\""))) {
        found = true;
        live.add(
            new Dto.ExecutorStatus(
                e.name(), e.type(), Status.APPLYING, "apply", -1, output, e.message(), now));
      } else {
        live.add(e);
      }
    }
    return toStatus(live);
  }
}

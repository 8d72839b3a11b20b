package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link AgentSession} knows about one matched task: the spec, the effective policy and
 * the current status. Mutable, owned by the session's actor; {@link #toStatus()} gives the
 * immutable read model that is pushed to the task's reconciler and served by the API.
 */
final class TaskState {
  private TaskSpec spec;
  private DriftPolicy policy;
  private String status = TaskVerdict.PENDING;
  private String message = "";
  private boolean alerted;
  private Instant since;
  private Instant lastCheckedAt;
  private Instant lastAppliedAt;
  private List<Dto.ExecutorStatus> executors;

  TaskState(TaskSpec spec, DriftPolicy policy) {
    this.spec = spec;
    this.policy = policy;
    this.executors = TaskVerdict.pendingExecutors(spec);
  }

  TaskSpec spec() {
    return spec;
  }

  DriftPolicy policy() {
    return policy;
  }

  String status() {
    return status;
  }

  Instant since() {
    return since;
  }

  /**
   * @return true when the definition or policy changed
   */
  boolean redefine(TaskSpec newSpec, DriftPolicy newPolicy) {
    boolean changed = !newSpec.equals(spec) || newPolicy != policy;
    if (!newSpec.executors().equals(spec.executors())) {
      executors = TaskVerdict.pendingExecutors(newSpec);
    }
    spec = newSpec;
    policy = newPolicy;
    return changed;
  }

  /**
   * Takes a verdict of a check or apply.
   *
   * @return true when the task just became satisfied after not being so (its drift episode is over)
   */
  boolean update(TaskVerdict verdict, Instant now, boolean applied) {
    boolean wasSatisfied = TaskVerdict.SATISFIED.equals(status);
    status = verdict.status();
    message = verdict.message();
    executors = verdict.executors();
    lastCheckedAt = now;
    if (applied) {
      lastAppliedAt = now;
    }
    boolean satisfied = TaskVerdict.SATISFIED.equals(status);
    if (satisfied) {
      since = null;
      alerted = false;
    } else if (since == null) {
      since = now;
    }
    return satisfied && !wasSatisfied;
  }

  void applying() {
    status = TaskVerdict.APPLYING;
    message = "";
  }

  /** The server gave up waiting for the agent. */
  void timedOut(String why, Instant now) {
    status = TaskVerdict.ERROR;
    message = why;
    if (since == null) {
      since = now;
    }
  }

  void alerted() {
    alerted = true;
  }

  Dto.TaskStatus toStatus() {
    return new Dto.TaskStatus(
        spec.name(),
        status,
        policy.hclName(),
        alerted,
        lastCheckedAt,
        lastAppliedAt,
        message,
        executors);
  }

  /** The status with the live output of a running apply shown on the block that produces it. */
  Dto.TaskStatus toStatus(String outputExecutor, List<String> outputLines) {
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
                e.name(),
                e.type(),
                TaskVerdict.APPLYING,
                "apply",
                -1,
                output,
                e.message(),
                Instant.now()));
      } else {
        live.add(e);
      }
    }
    return new Dto.TaskStatus(
        spec.name(),
        status,
        policy.hclName(),
        alerted,
        lastCheckedAt,
        lastAppliedAt,
        message,
        live);
  }
}

package dev.fluke.server;

import dev.fluke.api.Status;
import dev.fluke.manifest.TaskSpec;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a cycle asks about its agent beyond the checks (issue 10), so that {@link Cycle} stays pure:
 * the known status of a task the cycle did not check (a dependency outside a manual cycle's
 * selection; null when the task is not matched on the agent), whether the agent's {@link FlapGuard}
 * holds a task, whether the task's rollout of its commit has not reached the agent (or was halted),
 * and the suspension / maintenance window {@link Gates} of the task ({@code gates}).
 */
record TaskGates(
    Function<String, Status> known,
    Predicate<TaskSpec> flapping,
    Predicate<TaskSpec> rolloutHeld,
    Function<TaskSpec, Gates> gates) {

  /** No gate: nothing known beyond the checks, nothing held. */
  static final TaskGates NONE = new TaskGates(task -> null, spec -> false, spec -> false);

  /** Without suspensions or windows. */
  TaskGates(
      Function<String, Status> known,
      Predicate<TaskSpec> flapping,
      Predicate<TaskSpec> rolloutHeld) {
    this(known, flapping, rolloutHeld, spec -> Gates.OPEN);
  }

  /** These gates with suspensions and windows from {@code gates}. */
  TaskGates withGates(Function<TaskSpec, Gates> gates) {
    return new TaskGates(known, flapping, rolloutHeld, gates);
  }

  /** The one gates value of {@code spec} for its {@link DriftDecision}. */
  Gates of(TaskSpec spec) {
    return gates.apply(spec).withHolds(rolloutHeld.test(spec), flapping.test(spec));
  }
}

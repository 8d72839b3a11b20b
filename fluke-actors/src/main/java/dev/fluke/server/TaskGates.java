package dev.fluke.server;

import dev.fluke.api.Status;
import dev.fluke.manifest.TaskSpec;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a cycle asks about its agent beyond the checks (issue 10), so that {@link Cycle} stays pure:
 * the known status of a task the cycle did not check (a dependency outside a manual cycle's
 * selection; null when the task is not matched on the agent), whether the agent's {@link FlapGuard}
 * holds a task, and whether the task's rollout of its commit has not reached the agent (or was
 * halted).
 */
record TaskGates(
    Function<String, Status> known, Predicate<TaskSpec> flapping, Predicate<TaskSpec> rolloutHeld) {

  /** No gate: nothing known beyond the checks, nothing held. */
  static final TaskGates NONE = new TaskGates(task -> null, spec -> false, spec -> false);
}

package dev.fluke.server;

import dev.fluke.api.Status;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.manifest.TaskSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What one agent's {@link CycleRunner} knows of the rollouts of its tasks (issue 10): a task with a
 * {@code rollout} (its own or the fleet's) is <em>held</em> — checked, never remediated
 * automatically — until its {@link TaskReconciler} allowed this agent for exactly that definition.
 * Fail-safe: a definition nobody allowed yet (the reconciler's word may arrive after the new
 * commit) is held. Once allowed, the first cycle that starts afterwards and judges the task reports
 * its verdict to the reconciler: satisfied (done) or failed. Plain and mutable, used on the
 * runner's thread only.
 */
final class RolloutGates {
  /** The reconciler's word for one task. */
  private record Gate(
      TaskSpec spec,
      boolean allowed,
      String reason,
      long fromCycle,
      boolean reported,
      ActorRef<TaskReconciler.Command> reconciler) {}

  private final String agent;
  private final Optional<RolloutSpec> fleetDefault;
  private final Map<String, Gate> gates = new HashMap<>();

  RolloutGates(String agent, Optional<RolloutSpec> fleetDefault) {
    this.agent = agent;
    this.fleetDefault = fleetDefault;
  }

  /** The rollout that applies to the task, if any. */
  Optional<RolloutSpec> rolloutOf(TaskSpec spec) {
    return spec.rollout().or(() -> fleetDefault);
  }

  /**
   * The reconciler's word: {@code allowed} to remediate {@code spec} from cycle {@code fromCycle}
   * on (the next one to start), or held with {@code reason}.
   */
  void gate(
      TaskSpec spec,
      boolean allowed,
      String reason,
      long fromCycle,
      ActorRef<TaskReconciler.Command> reconciler) {
    Gate before = gates.get(spec.name());
    boolean sameAllowance =
        before != null && before.allowed() && allowed && before.spec().equals(spec);
    gates.put(
        spec.name(),
        sameAllowance ? before : new Gate(spec, allowed, reason, fromCycle, false, reconciler));
  }

  /**
   * True when an automatic remediation of {@code spec} in cycle {@code cycleId} must wait for its
   * rollout. An allowance reaches the cycles that start after it only: the cycle in flight when it
   * came judged its checks under the hold, and an apply it made would not be this agent's verdict
   * ({@link #cycleEnded} reports from the allowed cycles), so a failure there would never halt the
   * rollout.
   */
  boolean holds(TaskSpec spec, long cycleId) {
    if (rolloutOf(spec).isEmpty()) {
      return false;
    }
    Gate g = gates.get(spec.name());
    return g == null || !g.allowed() || !g.spec().equals(spec) || cycleId < g.fromCycle();
  }

  /** The status message of a held task. */
  String reason(TaskSpec spec) {
    Gate g = gates.get(spec.name());
    if (g != null && !g.allowed() && g.spec().equals(spec) && g.reason() != null) {
      return g.reason();
    }
    return "rollout: the new definition is not applied here until this agent's stage starts";
  }

  /**
   * A cycle ended: each allowed, unreported task it judged (with the allowed definition, in a cycle
   * that started after the allowance) reports its verdict when it is final — satisfied, or failed
   * (the apply or its verify failed). Other statuses (drifted and waiting, error) report later.
   */
  void cycleEnded(Cycle c, AgentTasks tasks) {
    for (TaskSpec spec : c.requested()) {
      Gate g = gates.get(spec.name());
      if (g == null || !g.allowed() || g.reported() || !g.spec().equals(spec)) {
        continue;
      }
      if (c.id() < g.fromCycle() || !tasks.current(spec)) {
        continue;
      }
      Status s = tasks.get(spec.name()).status();
      if (s != Status.SATISFIED && s != Status.FAILED) {
        continue;
      }
      g.reconciler().tell(new TaskReconciler.RolloutReport(agent, spec, s == Status.SATISFIED));
      gates.put(
          spec.name(), new Gate(g.spec(), true, g.reason(), g.fromCycle(), true, g.reconciler()));
    }
  }
}

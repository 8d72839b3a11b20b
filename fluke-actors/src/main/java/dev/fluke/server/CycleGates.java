package dev.fluke.server;

import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.Optional;

/**
 * Everything that may hold a drifted task's apply back on one agent (issue 10), as its {@link
 * CycleRunner} evaluates it: the suspensions and maintenance windows ({@link RunnerGates}), the
 * agent's flap guard ({@link FlapGuard}), the task's rollout ({@link RolloutGates}) and the known
 * status of the dependencies. Plain and mutable, used on the runner's thread only; it says what
 * holds, {@link DriftDecision} decides.
 */
final class CycleGates {
  private final RunnerGates windows;
  private final FlapGuard flaps = new FlapGuard();
  private final RolloutGates rollouts;
  private final FlapLimit defaultFlapLimit;

  CycleGates(
      String agent,
      Suspensions suspensions,
      Optional<RolloutSpec> defaultRollout,
      FlapLimit defaultFlapLimit) {
    this.windows = new RunnerGates(agent, suspensions);
    this.rollouts = new RolloutGates(agent, defaultRollout);
    this.defaultFlapLimit = defaultFlapLimit;
  }

  /** The flap guard, which {@link AgentReports} feeds with the remediations it records. */
  FlapGuard flaps() {
    return flaps;
  }

  /** The rollout gates, which {@link AgentReports} asks why a task is held. */
  RolloutGates rollouts() {
    return rollouts;
  }

  /**
   * The gates of one cycle's drifted tasks: a dependency's status as {@code tasks} knows it, the
   * flap guard, the rollouts (as they stand for cycle {@code cycleId}), and the suspensions and
   * windows of {@code request} at {@code now}.
   */
  TaskGates of(AgentTasks tasks, CycleRequest request, long cycleId, Instant now) {
    return new TaskGates(
        task -> tasks.get(task) == null ? null : tasks.get(task).status(),
        spec -> flaps.holds(spec.name(), spec.effectiveFlapLimit(defaultFlapLimit), now),
        spec -> rollouts.holds(spec, cycleId),
        spec -> windows.of(spec, request, now));
  }

  /** A person reconciled these tasks by hand: their flap guard counts from zero again. */
  void checkedByHand(Cycle c) {
    for (TaskSpec spec : c.requested()) {
      if (c.request().isManual(spec.name())) {
        flaps.reset(spec.name());
      }
    }
  }

  /** A new commit: flapping tasks are remediated again. */
  void newCommit() {
    flaps.resetAll();
  }

  /**
   * When the first maintenance window that held one of {@code judged}'s applies back opens (null:
   * none did): the runner starts a cycle then.
   */
  Instant firstOpening(Cycle.Judged judged, Instant now) {
    return windows.firstOpening(judged, now);
  }

  /** The task's reconciler allowed or held its rollout from cycle {@code fromCycle} on. */
  void rolloutGate(CycleRunner.RolloutGate g, long fromCycle) {
    rollouts.gate(g.spec(), g.allowed(), g.reason(), fromCycle, g.reconciler());
  }

  /** A cycle ended: the rollouts it served hear their verdicts. */
  void cycleEnded(Cycle c, AgentTasks tasks) {
    rollouts.cycleEnded(c, tasks);
  }
}

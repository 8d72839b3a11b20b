package dev.fluke.server;

import dev.fluke.hcl.Durations;
import dev.fluke.manifest.FlapLimit;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The flap guard of one agent (issue 10): counts the automatic remediations of each task (applies
 * that made it satisfied, not asked for by a person) with the engine's clock; a task found drifted
 * again after {@link FlapLimit#maxRemediations()} of them within {@link FlapLimit#period()} is
 * <em>flapping</em>: something on the host keeps undoing Fluke's work. It is not remediated there
 * again until a manual reconcile of it ({@link #reset}) or a new commit ({@link #resetAll}). Owned
 * by the agent's {@link CycleRunner} and used on its thread only; mutable on purpose (a counter per
 * task, pruned as it goes).
 */
final class FlapGuard {
  private final Map<String, Deque<Instant>> remediations = new HashMap<>();
  private final Set<String> flapping = new HashSet<>();

  /** True when the task is flapping (stays so until a reset). */
  boolean isFlapping(String task) {
    return flapping.contains(task);
  }

  /**
   * The task was found drifted again: true when it must not be remediated because it is flapping,
   * or because its remediations within the period reached the limit (it becomes flapping now).
   */
  boolean holds(String task, FlapLimit limit, Instant now) {
    if (flapping.contains(task)) {
      return true;
    }
    return count(task, limit, now) >= limit.maxRemediations();
  }

  /**
   * Marks the task flapping; true the first time (the caller alerts once), false when it already
   * was.
   */
  boolean markFlapping(String task) {
    return flapping.add(task);
  }

  /** An automatic apply made the task satisfied at {@code now}. */
  void remediated(String task, FlapLimit limit, Instant now) {
    count(task, limit, now);
    remediations.computeIfAbsent(task, t -> new ArrayDeque<>()).addLast(now);
  }

  /** Remediations of the task within the period that ends at {@code now}. */
  int count(String task, FlapLimit limit, Instant now) {
    Deque<Instant> times = remediations.get(task);
    if (times == null) {
      return 0;
    }
    Instant cutoff = now.minus(limit.period());
    while (!times.isEmpty() && !times.peekFirst().isAfter(cutoff)) {
      times.removeFirst();
    }
    // At most the limit matters: a task that keeps being remediated cannot grow the deque forever.
    while (times.size() > limit.maxRemediations()) {
      times.removeFirst();
    }
    return times.size();
  }

  /** A person reconciled the task: it is counted from zero again. */
  void reset(String task) {
    flapping.remove(task);
    remediations.remove(task);
  }

  /** A new commit came into force: every task is counted from zero again. */
  void resetAll() {
    flapping.clear();
    remediations.clear();
  }

  /** The status message of a flapping task. */
  static String message(FlapLimit limit) {
    return "flapping: remediated "
        + limit.maxRemediations()
        + " time(s) within "
        + Durations.format(limit.period())
        + " and found drifted again (something on the host undoes it); not remediated until a"
        + " manual reconcile or a new commit";
  }
}

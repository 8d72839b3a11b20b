package dev.fluke.server;

import dev.fluke.manifest.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Why an agent's next cycle runs, after every trigger that arrived meanwhile was merged into it
 * (SPEC §4: triggers coalesce into one follow-up; a manual trigger upgrades it to manual).
 *
 * @param full check every matched task (a new commit, the interval, a (re)connect, a retry, or a
 *     manual reconcile of the whole agent); false = only {@code manualTasks}
 * @param manualAll every task of the cycle is manual (always applied, whatever its policy)
 * @param manualTasks tasks that are manual in this cycle
 * @param manualRequest the newest manual reconcile request this cycle serves (0 for none): once the
 *     cycle ends, the agent's summary says so, and {@code fluke reconcile --wait} knows its request
 *     was served without comparing clocks
 * @param force the manual tasks are applied whatever holds them back (suspension, window): {@code
 *     --force}; merged requests force all their manual tasks
 */
record CycleRequest(
    boolean full, boolean manualAll, Set<String> manualTasks, long manualRequest, boolean force) {
  CycleRequest {
    manualTasks = Set.copyOf(manualTasks);
  }

  CycleRequest(boolean full, boolean manualAll, Set<String> manualTasks, long manualRequest) {
    this(full, manualAll, manualTasks, manualRequest, false);
  }

  static final CycleRequest AUTOMATIC = new CycleRequest(true, false, Set.of(), 0);

  /** A manual reconcile (request {@code requestId}) of these tasks, or of all when empty. */
  static CycleRequest manual(Set<String> tasks, long requestId) {
    return manual(tasks, requestId, false);
  }

  /** A manual reconcile, forced ({@code --force}) or not. */
  static CycleRequest manual(Set<String> tasks, long requestId, boolean force) {
    return tasks.isEmpty()
        ? new CycleRequest(true, true, Set.of(), requestId, force)
        : new CycleRequest(false, false, tasks, requestId, force);
  }

  /** True when {@code task} is manual and forced in this cycle. */
  boolean isForced(String task) {
    return force && isManual(task);
  }

  /** Merge two pending requests into one that does all either would have done. */
  CycleRequest merge(CycleRequest other) {
    if (other == null) {
      return this;
    }
    Set<String> union = new TreeSet<>(manualTasks);
    union.addAll(other.manualTasks);
    return new CycleRequest(
        full || other.full,
        manualAll || other.manualAll,
        union,
        Math.max(manualRequest, other.manualRequest),
        force || other.force);
  }

  boolean isManual(String task) {
    return manualAll || manualTasks.contains(task);
  }

  boolean anyManual() {
    return manualAll || !manualTasks.isEmpty();
  }

  /** The matched tasks this cycle checks, in declaration order. */
  List<TaskSpec> select(List<TaskSpec> matched) {
    if (full) {
      return matched;
    }
    List<TaskSpec> out = new ArrayList<>();
    for (TaskSpec t : matched) {
      if (manualTasks.contains(t.name())) {
        out.add(t);
      }
    }
    return out;
  }
}

package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The tasks one agent matches and their {@link TaskState}s, owned by its {@link CycleRunner} (used
 * only on its thread). Matching is recomputed from the desired state and the agent's labels on
 * every new snapshot (SPEC §5: nothing to restore). Every status change is pushed to the task's
 * {@link TaskReconciler}; a task seen satisfied ends its drift episode at the {@link DriftAlerter}.
 */
final class AgentTasks {
  private final String agent;
  private final Map<String, String> labels;
  private final DriftPolicy defaultPolicy;
  private final ActorRef<CycleRunner.Command> runner;
  private final ActorRef<DriftAlerter.Command> alerter;
  private Map<String, ActorRef<TaskReconciler.Command>> reconcilers = Map.of();
  private Map<String, TaskState> tasks = new LinkedHashMap<>(); // declaration order
  private List<TaskSpec> matched = List.of();

  AgentTasks(
      String agent,
      Map<String, String> labels,
      DriftPolicy defaultPolicy,
      ActorRef<CycleRunner.Command> runner,
      ActorRef<DriftAlerter.Command> alerter) {
    this.agent = agent;
    this.labels = labels;
    this.defaultPolicy = defaultPolicy;
    this.runner = runner;
    this.alerter = alerter;
  }

  /** The matching tasks, in declaration order. */
  List<TaskSpec> matched() {
    return matched;
  }

  /** The state of a matched task, or null. */
  TaskState get(String task) {
    return tasks.get(task);
  }

  /**
   * True when the task is matched and still defined as {@code spec} (a commit may have changed it).
   */
  boolean current(TaskSpec spec) {
    TaskState ts = tasks.get(spec.name());
    return ts != null && ts.spec().equals(spec);
  }

  boolean anyMatched(Iterable<String> names) {
    for (String n : names) {
      if (tasks.containsKey(n)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Selector against labels over a new desired state (null = none yet); keeps what is known of kept
   * tasks.
   */
  void rematch(DesiredState state, Map<String, ActorRef<TaskReconciler.Command>> newReconcilers) {
    Map<String, ActorRef<TaskReconciler.Command>> old = reconcilers;
    reconcilers = newReconcilers == null ? Map.of() : newReconcilers;
    List<TaskSpec> now = new ArrayList<>();
    if (state != null) {
      for (TaskSpec t : state.tasks()) {
        if (t.selector().matches(labels)) {
          now.add(t);
        }
      }
    }
    Map<String, TaskState> next = new LinkedHashMap<>();
    for (TaskSpec spec : now) {
      TaskState before = tasks.remove(spec.name());
      DriftPolicy policy = spec.effectivePolicy(defaultPolicy);
      ActorRef<TaskReconciler.Command> oldRef = old.get(spec.name());
      boolean newReconciler = oldRef == null || !oldRef.equals(reconcilers.get(spec.name()));
      TaskState ts =
          before == null ? TaskState.pending(spec, policy) : before.redefine(spec, policy);
      next.put(spec.name(), ts);
      if (before == null || !ts.equals(before) || newReconciler) {
        push(ts);
      }
    }
    for (String gone : tasks.keySet()) {
      ActorRef<TaskReconciler.Command> r = old.get(gone);
      if (r != null) {
        r.tell(new TaskReconciler.AgentUnmatched(agent, runner));
      }
    }
    tasks = next;
    matched = List.copyOf(now);
  }

  /** Takes a verdict of a check or an apply and publishes the result. */
  void judged(TaskSpec spec, TaskVerdict verdict, Instant now, boolean applied) {
    change(spec.name(), ts -> ts.judged(verdict, now, applied));
  }

  /**
   * Replaces the task's state and publishes it; a task seen satisfied ends its drift episode at the
   * alerter. Unknown tasks are ignored.
   */
  void change(String task, UnaryOperator<TaskState> f) {
    TaskState before = tasks.get(task);
    if (before == null) {
      return;
    }
    TaskState after = f.apply(before);
    tasks.put(task, after);
    if (after.episodeEndedSince(before)) {
      alerter.tell(new DriftAlerter.EpisodeEnded(agent, task));
    }
    push(after);
  }

  /** Publishes the task's status to its reconciler. */
  private void push(TaskState ts) {
    ActorRef<TaskReconciler.Command> r = reconcilers.get(ts.spec().name());
    if (r != null) {
      r.tell(new TaskReconciler.AgentStatus(agent, ts.toStatus(), ts.since(), runner));
    }
  }

  Dto.StatusCounts counts() {
    List<Status> statuses = new ArrayList<>(tasks.size());
    for (TaskState ts : tasks.values()) {
      statuses.add(ts.status());
    }
    return Dto.StatusCounts.of(statuses);
  }

  /** Every task's status; the running apply's (if any) with its live output. */
  List<Dto.TaskStatus> statuses(TaskSpec applying, OutputTail output, Instant now) {
    List<Dto.TaskStatus> out = new ArrayList<>();
    for (TaskState ts : tasks.values()) {
      boolean live = applying != null && applying.name().equals(ts.spec().name());
      out.add(live ? ts.toStatus(output.executor(), output.lines(), now) : ts.toStatus());
    }
    return out;
  }

  /** The statuses of these tasks that are still matched, in their order. */
  /** The agent's detail: {@code summary}, every task's status and the newest manual result. */
  Dto.AgentDetail detail(
      Dto.AgentSummary summary,
      TaskSpec applying,
      OutputTail output,
      Instant now,
      Dto.ManualResult lastManual) {
    return new Dto.AgentDetail(
        summary, statuses(applying, output, now), List.of(), null, lastManual);
  }

  /** What {@code --wait} reports for manual request {@code id}: the statuses of {@code specs}. */
  Dto.ManualResult manualResult(long id, Instant now, List<TaskSpec> specs) {
    return new Dto.ManualResult(id, now, statusesOf(specs));
  }

  List<Dto.TaskStatus> statusesOf(List<TaskSpec> specs) {
    List<Dto.TaskStatus> out = new ArrayList<>();
    for (TaskSpec spec : specs) {
      TaskState ts = tasks.get(spec.name());
      if (ts != null) {
        out.add(ts.toStatus());
      }
    }
    return out;
  }

  /**
   * The runner ends with its session: the reconcilers keep the last status, marked disconnected.
   */
  void disconnected() {
    for (String task : tasks.keySet()) {
      ActorRef<TaskReconciler.Command> r = reconcilers.get(task);
      if (r != null) {
        r.tell(new TaskReconciler.AgentDisconnected(agent, runner));
      }
    }
  }
}

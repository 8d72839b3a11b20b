package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The tasks one agent matches and their status, owned by its {@link AgentSession} (used only on the
 * session's thread). Matching is recomputed from the desired state and the agent's labels on every
 * new snapshot (SPEC §5: nothing to restore). Every status change is pushed to the task's {@link
 * TaskReconciler}; a task seen satisfied ends its drift episode at the {@link DriftAlerter}.
 */
final class AgentTasks {
  private final String agent;
  private final Map<String, String> labels;
  private final DriftPolicy defaultPolicy;
  private final ActorRef<AgentSession.Command> session;
  private final ActorRef<DriftAlerter.Command> alerter;
  private Map<String, ActorRef<TaskReconciler.Command>> reconcilers = Map.of();
  private Map<String, TaskState> tasks = new LinkedHashMap<>(); // declaration order
  private List<TaskSpec> matched = List.of();

  AgentTasks(
      String agent,
      Map<String, String> labels,
      DriftPolicy defaultPolicy,
      ActorRef<AgentSession.Command> session,
      ActorRef<DriftAlerter.Command> alerter) {
    this.agent = agent;
    this.labels = labels;
    this.defaultPolicy = defaultPolicy;
    this.session = session;
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
      TaskState ts = tasks.remove(spec.name());
      DriftPolicy policy = spec.effectivePolicy(defaultPolicy);
      ActorRef<TaskReconciler.Command> oldRef = old.get(spec.name());
      boolean newReconciler = oldRef == null || !oldRef.equals(reconcilers.get(spec.name()));
      if (ts == null) {
        ts = new TaskState(spec, policy);
        next.put(spec.name(), ts);
        push(ts);
      } else {
        next.put(spec.name(), ts);
        if (ts.redefine(spec, policy) || newReconciler) {
          push(ts);
        }
      }
    }
    for (String gone : tasks.keySet()) {
      ActorRef<TaskReconciler.Command> r = old.get(gone);
      if (r != null) {
        r.tell(new TaskReconciler.AgentUnmatched(agent, session));
      }
    }
    tasks = next;
    matched = List.copyOf(now);
  }

  /** Takes a verdict and publishes the result. */
  void update(TaskState ts, TaskVerdict verdict, Instant now, boolean applied) {
    if (ts.update(verdict, now, applied)) {
      // Seen satisfied: any drift episode of this task on this agent is over.
      alerter.tell(new DriftAlerter.EpisodeEnded(agent, ts.spec().name()));
    }
    push(ts);
  }

  /** Publishes the task's status to its reconciler. */
  void push(TaskState ts) {
    ActorRef<TaskReconciler.Command> r = reconcilers.get(ts.spec().name());
    if (r != null) {
      r.tell(new TaskReconciler.AgentStatus(agent, ts.toStatus(), ts.since(), session));
    }
  }

  Dto.StatusCounts counts() {
    Counts counts = new Counts();
    for (TaskState ts : tasks.values()) {
      counts.add(ts.status());
    }
    return counts.toDto();
  }

  /** Every task's status; the running apply's (if any) with its live output. */
  List<Dto.TaskStatus> statuses(TaskSpec applying, OutputTail output) {
    List<Dto.TaskStatus> out = new ArrayList<>();
    for (TaskState ts : tasks.values()) {
      boolean live = applying != null && applying.name().equals(ts.spec().name());
      out.add(live ? ts.toStatus(output.executor(), output.lines()) : ts.toStatus());
    }
    return out;
  }

  /** The session ends: the reconcilers keep the last status, marked disconnected. */
  void disconnected() {
    for (String task : tasks.keySet()) {
      ActorRef<TaskReconciler.Command> r = reconcilers.get(task);
      if (r != null) {
        r.tell(new TaskReconciler.AgentDisconnected(agent, session));
      }
    }
  }
}

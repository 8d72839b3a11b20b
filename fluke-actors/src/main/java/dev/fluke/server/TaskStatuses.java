package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One task's status on every agent it matches, as the agents' runners push it, as plain data for
 * its {@link TaskReconciler} (used on the reconciler's thread only): which runner reported it, and
 * whether the agent is still connected. A disconnected agent stays listed until the retention has
 * passed ({@link #prune}); counts and drift cover connected agents only. Only the runner that
 * reported an entry may close it: a reconnected agent has a new one.
 */
final class TaskStatuses {
  private record Entry(
      ActorRef<CycleRunner.Command> runner,
      boolean connected,
      Dto.TaskStatus status,
      Instant since,
      Instant disconnectedAt) {}

  private final Map<String, Entry> agents = new HashMap<>();

  /**
   * The agent's runner pushed its status ({@code since}: when it last stopped being satisfied).
   * True when that runner is new to this task (first report, a reconnect, another session).
   */
  boolean reported(
      String agent, Dto.TaskStatus status, Instant since, ActorRef<CycleRunner.Command> runner) {
    Entry before = agents.put(agent, new Entry(runner, true, status, since, null));
    return before == null || !before.connected() || !before.runner().equals(runner);
  }

  /** The agent's session ended; true when {@code runner} was the one that reported. */
  boolean disconnected(String agent, ActorRef<CycleRunner.Command> runner, Instant now) {
    Entry e = agents.get(agent);
    if (e == null || !e.runner().equals(runner)) {
      return false;
    }
    agents.put(agent, new Entry(e.runner(), false, e.status(), e.since(), now));
    return true;
  }

  /** The agent no longer matches the task; true when {@code runner} was the one that reported. */
  boolean unmatched(String agent, ActorRef<CycleRunner.Command> runner) {
    Entry e = agents.get(agent);
    if (e == null || !e.runner().equals(runner)) {
      return false;
    }
    agents.remove(agent);
    return true;
  }

  /** Forgets agents disconnected longer than {@code retention} ago. */
  void prune(Instant now, Duration retention) {
    Instant cutoff = now.minus(retention);
    agents.values().removeIf(e -> !e.connected() && e.disconnectedAt().isBefore(cutoff));
  }

  /**
   * The connected agents' runners (the rollout's and a manual reconcile's reach): a read-only view,
   * looked up per agent. It is handed to the rollout with every status push, report and disconnect,
   * so a copy would cost O(agents) each time — with 10,000 agents on a node, 10⁸ map entries per
   * task for one full-fleet cycle (found by {@code fluke bench server --agents 10000}). Iterating
   * it (a manual reconcile) copies.
   */
  Map<String, ActorRef<CycleRunner.Command>> runners() {
    return new AbstractMap<>() {
      @Override
      public ActorRef<CycleRunner.Command> get(Object agent) {
        TaskStatuses.Entry e = agents.get(agent);
        return e != null && e.connected() ? e.runner() : null;
      }

      @Override
      public boolean containsKey(Object agent) {
        return get(agent) != null;
      }

      @Override
      public Set<Map.Entry<String, ActorRef<CycleRunner.Command>>> entrySet() {
        return TaskRollout.runners(agents, e -> e.connected() ? e.runner() : null).entrySet();
      }
    };
  }

  /** The connected agents' runners, by agent name. */
  TreeMap<String, ActorRef<CycleRunner.Command>> runnersByName() {
    return new TreeMap<>(runners());
  }

  /** The connected agents. */
  List<String> connected() {
    return new ArrayList<>(runners().keySet());
  }

  /** Every listed agent's status, by agent name. */
  List<Dto.AgentTaskStatus> statuses() {
    List<Dto.AgentTaskStatus> out = new ArrayList<>();
    new TreeMap<>(agents)
        .forEach((agent, e) -> out.add(new Dto.AgentTaskStatus(agent, e.connected(), e.status())));
    return out;
  }

  /** The task's summary: its definition and the counts over the connected agents. */
  Dto.TaskSummary summary(TaskSpec spec, DriftPolicy defaultPolicy, Dto.RolloutStatus rollout) {
    List<Status> statuses = new ArrayList<>();
    for (Entry e : agents.values()) {
      if (e.connected()) {
        statuses.add(e.status().status());
      }
    }
    List<String> execs = new ArrayList<>();
    for (ExecutorSpec e : spec.executors()) {
      execs.add(e.label());
    }
    return new Dto.TaskSummary(
        spec.name(),
        spec.description(),
        spec.effectivePolicy(defaultPolicy).hclName(),
        spec.selector().matchLabels(),
        execs,
        spec.pos().file(),
        statuses.size(),
        Dto.StatusCounts.of(statuses),
        spec.dependsOn(),
        rollout);
  }

  /** The connected agents on which the task is neither satisfied nor pending, by agent name. */
  List<Dto.DriftEntry> drift(String task) {
    List<Dto.DriftEntry> out = new ArrayList<>();
    for (Map.Entry<String, Entry> e : new TreeMap<>(agents).entrySet()) {
      Entry v = e.getValue();
      Status status = v.status().status();
      if (v.connected() && status != Status.SATISFIED && status != Status.PENDING) {
        out.add(
            new Dto.DriftEntry(
                e.getKey(),
                task,
                status,
                v.status().policy(),
                v.status().alerted(),
                v.since(),
                v.status().message()));
      }
    }
    return out;
  }

  /** The task's executor blocks as the API shows them. */
  static List<Dto.ExecutorDefinition> definitions(TaskSpec spec) {
    List<Dto.ExecutorDefinition> defs = new ArrayList<>();
    for (ExecutorSpec e : spec.executors()) {
      defs.add(
          new Dto.ExecutorDefinition(e.type(), e.name(), e.attributes(), e.onFailure().hclName()));
    }
    return defs;
  }
}

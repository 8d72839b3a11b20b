package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * How the answers of several nodes make one fleet answer (pure; {@link ClusterFleetApi} gathers
 * them). Each node answers for the agents whose sessions it holds; the tasks' definitions are the
 * same on every node (the commit in force), so what is merged are the per-agent parts: counts are
 * summed, lists concatenated, and an agent listed by two nodes (it moved) is taken from the node
 * the agent directory says holds it.
 */
final class FleetMerge {
  private FleetMerge() {}

  /**
   * The tasks of every node's answer, in the order of the first answer (this node's: declaration
   * order), then any task only later answers know; counts and matched agents summed per task.
   */
  static List<Dto.TaskSummary> tasks(List<List<Dto.TaskSummary>> perNode) {
    Map<String, Dto.TaskSummary> byName = new LinkedHashMap<>();
    for (List<Dto.TaskSummary> node : perNode) {
      for (Dto.TaskSummary t : node) {
        byName.merge(t.name(), t, FleetMerge::task);
      }
    }
    return List.copyOf(byName.values());
  }

  /** One task as two nodes see it: the definition of {@code a}, the agents of both. */
  static Dto.TaskSummary task(Dto.TaskSummary a, Dto.TaskSummary b) {
    return new Dto.TaskSummary(
        a.name(),
        a.description(),
        a.policy(),
        a.selector(),
        a.executors(),
        a.file(),
        a.matchedAgents() + b.matchedAgents(),
        a.counts().plus(b.counts()),
        a.dependsOn(),
        rollout(a.rollout(), b.rollout()));
  }

  /**
   * One task's rollout as two nodes run it (each stages the agents it holds): the agents' counts
   * summed, the state the most urgent of the two (halted, running, paused, done), the stage of the
   * one in that state, the next stage the sooner.
   */
  static Dto.RolloutStatus rollout(Dto.RolloutStatus a, Dto.RolloutStatus b) {
    if (a == null || b == null) {
      return a != null ? a : b;
    }
    Dto.RolloutStatus lead = rank(b.state()) > rank(a.state()) ? b : a;
    List<String> failed = new ArrayList<>(new TreeSet<>(a.failedAgents()));
    for (String f : b.failedAgents()) {
      if (!failed.contains(f)) {
        failed.add(f);
      }
    }
    failed.sort(Comparator.naturalOrder());
    return new Dto.RolloutStatus(
        a.task(),
        a.commit(),
        lead.state(),
        lead.stage(),
        Math.max(a.stagesStarted(), b.stagesStarted()),
        Math.max(a.stages(), b.stages()),
        a.agents() + b.agents(),
        a.done() + b.done(),
        a.failed() + b.failed(),
        a.inProgress() + b.inProgress(),
        a.waiting() + b.waiting(),
        a.canary(),
        a.batch(),
        a.maxFailures(),
        a.pause(),
        earlier(a.startedAt(), b.startedAt()),
        earlier(a.nextStageAt(), b.nextStageAt()),
        a.haltedReason() != null ? a.haltedReason() : b.haltedReason(),
        failed);
  }

  private static int rank(String state) {
    return switch (state == null ? "" : state) {
      case "halted" -> 3;
      case "running" -> 2;
      case "paused" -> 1;
      default -> 0;
    };
  }

  private static Instant earlier(Instant a, Instant b) {
    if (a == null || b == null) {
      return a != null ? a : b;
    }
    return a.isBefore(b) ? a : b;
  }

  /** Every node's rollouts, merged per task (in the first answer's order). */
  static List<Dto.RolloutStatus> rollouts(List<List<Dto.RolloutStatus>> perNode) {
    Map<String, Dto.RolloutStatus> byTask = new LinkedHashMap<>();
    for (List<Dto.RolloutStatus> node : perNode) {
      for (Dto.RolloutStatus r : node) {
        byTask.merge(r.task(), r, FleetMerge::rollout);
      }
    }
    return List.copyOf(byTask.values());
  }

  /**
   * One task's detail from every node: the definition and window of the first that knows it, the
   * summary merged, one status per agent (from the node holding it, else a connected one).
   */
  static Optional<Dto.TaskDetail> task(
      Map<String, Optional<Dto.TaskDetail>> byNode, Function<String, String> holderOf) {
    Dto.TaskDetail first = null;
    Dto.TaskSummary summary = null;
    Map<String, Dto.AgentTaskStatus> agents = new java.util.TreeMap<>();
    for (var e : byNode.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      Dto.TaskDetail t = e.getValue().get();
      if (first == null) {
        first = t;
        summary = t.task();
      } else {
        summary = task(summary, t.task());
      }
      for (Dto.AgentTaskStatus s : t.agents()) {
        Dto.AgentTaskStatus had = agents.get(s.agent());
        boolean holder = e.getKey().equals(holderOf.apply(s.agent()));
        if (had == null || holder || (!had.connected() && s.connected())) {
          agents.put(s.agent(), s);
        }
      }
    }
    if (first == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Dto.TaskDetail(
            summary, first.executors(), List.copyOf(agents.values()), first.window()));
  }

  /**
   * Every node's drift entries, one per (agent, task): an agent listed by two nodes (it moved and
   * the old one still remembers it) is taken from the node holding it ({@code holderOf}, null when
   * unknown: the first answer wins). Sorted by agent, then task.
   */
  static List<Dto.DriftEntry> drift(
      Map<String, List<Dto.DriftEntry>> byNode, Function<String, String> holderOf) {
    Map<String, Dto.DriftEntry> kept = new LinkedHashMap<>();
    for (var e : byNode.entrySet()) {
      for (Dto.DriftEntry d : e.getValue()) {
        String key = d.agent() + '\n' + d.task();
        String holder = holderOf.apply(d.agent());
        if (!kept.containsKey(key) || e.getKey().equals(holder)) {
          kept.put(key, d);
        }
      }
    }
    return kept.values().stream()
        .sorted(Comparator.comparing(Dto.DriftEntry::agent).thenComparing(Dto.DriftEntry::task))
        .toList();
  }

  /**
   * A manual reconcile of the fleet or of a task, started on every node: accepted when any node
   * accepted; the agents of all; the request number the smallest (an agent's {@code manualServed}
   * reaching it means its own node's request was served: request numbers start from each node's
   * clock); the message counts the agents of all nodes, keeps each node's notes (suspensions) once
   * and names the nodes that did not answer (their agents were not reconciled).
   */
  static Dto.ReconcileAccepted reconcile(
      Dto.ReconcileTarget target,
      List<Dto.ReconcileAccepted> answers,
      List<String> missing,
      Instant now) {
    String notAnswered =
        missing.isEmpty()
            ? ""
            : "; "
                + missing.size()
                + " server node(s) did not answer, their agents were not reconciled: "
                + String.join(", ", missing);
    List<Dto.ReconcileAccepted> accepted = answers.stream().filter(a -> a.accepted()).toList();
    if (accepted.isEmpty()) {
      Set<String> why = new LinkedHashSet<>();
      answers.forEach(a -> why.add(a.message()));
      return new Dto.ReconcileAccepted(
          false,
          (why.isEmpty() ? "no server node answered" : String.join("; ", why)) + notAnswered,
          target,
          List.of(),
          now,
          answers.stream().mapToLong(Dto.ReconcileAccepted::requestId).min().orElse(0));
    }
    Set<String> agents = new TreeSet<>();
    Set<String> notes = new LinkedHashSet<>();
    for (Dto.ReconcileAccepted a : accepted) {
      agents.addAll(a.agents());
      int cut = a.message().indexOf("; ");
      if (cut >= 0) {
        notes.add(a.message().substring(cut + 2));
      }
    }
    String head;
    if (target.kind() == TargetKind.TASK) {
      head =
          agents.isEmpty()
              ? "no connected agent matches task " + target.name()
              : "manual reconcile of task "
                  + target.name()
                  + " started on "
                  + agents.size()
                  + " agent(s)";
    } else {
      head =
          agents.isEmpty()
              ? "no agent is connected"
              : "manual reconcile started on " + agents.size() + " agent(s)";
    }
    StringBuilder message = new StringBuilder(head);
    for (String note : notes) {
      message.append("; ").append(note);
    }
    message.append(notAnswered);
    return new Dto.ReconcileAccepted(
        true,
        message.toString(),
        target,
        List.copyOf(agents),
        now,
        accepted.stream().mapToLong(Dto.ReconcileAccepted::requestId).min().orElseThrow());
  }

  /**
   * The suspensions every node keeps, one per scope (the most recent wins), the fleet first, then
   * agents, then tasks, by name.
   */
  static List<Suspension> suspensions(List<List<Suspension>> perNode) {
    Map<String, Suspension> byKey = new LinkedHashMap<>();
    for (List<Suspension> node : perNode) {
      for (Suspension s : node) {
        byKey.merge(s.key(), s, (x, y) -> y.since().isAfter(x.since()) ? y : x);
      }
    }
    return byKey.values().stream()
        .sorted(
            Comparator.comparing((Suspension s) -> order(s.scope()))
                .thenComparing(s -> s.name() == null ? "" : s.name()))
        .toList();
  }

  private static int order(TargetKind k) {
    return switch (k) {
      case ALL -> 0;
      case AGENT -> 1;
      case TASK -> 2;
    };
  }

  /**
   * A suspend or resume told to every node: done when any node changed something; the message and
   * suspension of the first that did (else of the first answer), and the nodes that did not answer
   * named (they did not get it).
   */
  static Suspension.Change change(NodeFanout.Gathered<Suspension.Change> g) {
    List<Suspension.Change> all = g.values();
    Suspension.Change lead =
        all.stream()
            .filter(Suspension.Change::done)
            .findFirst()
            .orElse(all.isEmpty() ? null : all.get(0));
    String missing =
        g.missing().isEmpty()
            ? ""
            : "; "
                + g.missing().size()
                + " server node(s) did not answer and did not get it: "
                + String.join(", ", g.missing());
    if (lead == null) {
      return new Suspension.Change(false, "no server node answered" + missing, null);
    }
    return new Suspension.Change(lead.done(), lead.message() + missing, lead.suspension());
  }

  /**
   * A plan made by every node for the agents it holds: tasks merged by name (their agents' checks
   * together, one per agent), the agents' changes together (one per agent, a connected one
   * winning), the worst verdict; a node that did not answer makes it {@code errors} and is named.
   */
  static PlanResult plan(List<PlanResult> perNode, List<String> missing) {
    if (perNode.isEmpty()) {
      return PlanResult.failed(
          null,
          null,
          null,
          "no server node answered: " + String.join(", ", missing),
          null,
          null,
          null);
    }
    PlanResult first = perNode.get(0);
    Map<String, PlanResult.PlanTask> tasks = new LinkedHashMap<>();
    Map<String, PlanResult.AgentChange> agents = new java.util.TreeMap<>();
    PlanResult.Verdict verdict = PlanResult.Verdict.NO_CHANGE;
    String error = null;
    Instant started = null;
    Instant finished = null;
    for (PlanResult p : perNode) {
      for (PlanResult.PlanTask t : p.tasks()) {
        tasks.merge(t.name(), t, FleetMerge::planTask);
      }
      for (PlanResult.AgentChange a : p.agents()) {
        agents.merge(a.agent(), a, (x, y) -> !x.connected() && y.connected() ? y : x);
      }
      verdict = worse(verdict, p.verdict());
      error = error != null ? error : p.error();
      started = earlier(started, p.startedAt());
      finished =
          finished == null || (p.finishedAt() != null && p.finishedAt().isAfter(finished))
              ? p.finishedAt()
              : finished;
    }
    if (!missing.isEmpty()) {
      verdict = PlanResult.Verdict.ERRORS;
      String note =
          missing.size()
              + " server node(s) did not answer, their agents were not planned: "
              + String.join(", ", missing);
      error = error == null ? note : error + "; " + note;
    }
    return new PlanResult(
        first.ref(),
        first.commit(),
        first.inForce(),
        verdict,
        error,
        first.errors(),
        List.copyOf(tasks.values()),
        List.copyOf(agents.values()),
        started,
        finished);
  }

  private static PlanResult.PlanTask planTask(PlanResult.PlanTask a, PlanResult.PlanTask b) {
    Map<String, PlanResult.AgentCheck> checks = new java.util.TreeMap<>();
    for (PlanResult.AgentCheck c : a.agents()) {
      checks.put(c.agent(), c);
    }
    for (PlanResult.AgentCheck c : b.agents()) {
      checks.merge(
          c.agent(), c, (x, y) -> x.result() == PlanResult.CheckResult.NOT_CONNECTED ? y : x);
    }
    return new PlanResult.PlanTask(a.name(), a.change(), List.copyOf(checks.values()));
  }

  private static PlanResult.Verdict worse(PlanResult.Verdict a, PlanResult.Verdict b) {
    if (a == PlanResult.Verdict.ERRORS || b == PlanResult.Verdict.ERRORS) {
      return PlanResult.Verdict.ERRORS;
    }
    return a == PlanResult.Verdict.CHANGES || b == PlanResult.Verdict.CHANGES
        ? PlanResult.Verdict.CHANGES
        : PlanResult.Verdict.NO_CHANGE;
  }
}

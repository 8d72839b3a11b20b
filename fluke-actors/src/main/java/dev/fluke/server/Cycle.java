package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Status;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One reconcile cycle of one agent as an immutable value (SPEC §4): check every selected task,
 * decide per drifted task ({@link DriftDecision}), then apply the chosen ones one at a time in
 * declaration order, each answered by its own verify. Every step returns the next value; the {@link
 * CycleRunner} holds it as its behavior's parameter and acts on what a step says.
 *
 * @param id the cycle id sent with every request of the cycle
 * @param request why it runs (which tasks are manual)
 * @param requested the tasks whose checks were requested, in declaration order
 * @param queue the tasks still to apply, in declaration order
 * @param applying the task whose ApplyRequest is out, or null while checking / between applies
 * @param failed something failed (an error, a failed apply, a timeout): the runner retries later
 * @param seen what this cycle knows of each task's status on the agent: the check's verdict, then
 *     each apply's; for dependencies it did not check, their known status (absent: not matched)
 * @param waiting drifted tasks the cycle will not apply because a dependency is not satisfied, in
 *     the order they were found waiting
 */
record Cycle(
    long id,
    CycleRequest request,
    List<TaskSpec> requested,
    List<TaskSpec> queue,
    TaskSpec applying,
    boolean failed,
    Map<String, Status> seen,
    List<Waiting> waiting) {

  Cycle {
    requested = List.copyOf(requested);
    queue = List.copyOf(queue);
    seen = Map.copyOf(seen);
    waiting = List.copyOf(waiting);
  }

  Cycle(
      long id,
      CycleRequest request,
      List<TaskSpec> requested,
      List<TaskSpec> queue,
      TaskSpec applying,
      boolean failed) {
    this(id, request, requested, queue, applying, failed, Map.of(), List.of());
  }

  /** A drifted task not applied in this cycle because of a dependency, and why. */
  record Waiting(TaskSpec spec, String reason) {}

  /** A cycle whose CheckRequest for {@code tasks} is about to go out. */
  static Cycle checking(long id, CycleRequest request, List<TaskSpec> tasks) {
    return new Cycle(id, request, tasks, List.of(), null, false);
  }

  CyclePhase phase() {
    return applying == null ? CyclePhase.CHECKING : CyclePhase.APPLYING;
  }

  /**
   * What one requested task's check said and what to do about it.
   *
   * @param outcome what the agent reported, null when it reported nothing for the task
   * @param current the task is still matched with this definition (else nothing is decided: the
   *     follow-up cycle checks it again)
   * @param decision what the policy says, for a current drifted task; else null
   */
  record Checked(
      TaskSpec spec,
      TaskOutcome outcome,
      TaskVerdict verdict,
      boolean current,
      DriftDecision decision) {}

  /** What a CheckReport means for this cycle. */
  sealed interface CheckStep {}

  /** The report cannot belong to this cycle as it claims: the agent broke the protocol. */
  record Misfit(String reason) implements CheckStep {}

  /** Every requested task judged, and the cycle that applies what was chosen. */
  record Judged(List<Checked> tasks, Cycle next) implements CheckStep {}

  /**
   * Reads the cycle's CheckReport.
   *
   * @param policyIfCurrent the effective policy of a task still matched with this definition, or
   *     null when it changed or went away meanwhile
   * @param webhook an alert webhook is configured
   */
  CheckStep onCheckReport(
      AgentMessage.CheckReport report,
      Function<TaskSpec, DriftPolicy> policyIfCurrent,
      boolean webhook,
      Instant now) {
    return onCheckReport(report, policyIfCurrent, webhook, now, TaskGates.NONE);
  }

  /**
   * Reads the cycle's CheckReport; {@code gates} says what holds back the apply of a drifted task
   * (a suspension, a closed maintenance window) and whether it was forced.
   */
  CheckStep onCheckReport(
      AgentMessage.CheckReport report,
      Function<TaskSpec, DriftPolicy> policyIfCurrent,
      Function<TaskSpec, Gates> gates,
      boolean webhook,
      Instant now) {
    return onCheckReport(report, policyIfCurrent, webhook, now, TaskGates.NONE.withGates(gates));
  }

  /**
   * Reads the cycle's CheckReport, with the {@code gates} of issue 10: a drifted task a suspension,
   * a closed window, the task's rollout or the flap guard holds is not queued (its decision says
   * why, from one {@link Gates} value per task: {@link TaskGates#of}), and the queue is later taken
   * in dependency order ({@link #nextApply}).
   */
  CheckStep onCheckReport(
      AgentMessage.CheckReport report,
      Function<TaskSpec, DriftPolicy> policyIfCurrent,
      boolean webhook,
      Instant now,
      TaskGates gates) {
    Map<String, TaskOutcome> byTask = new HashMap<>();
    Set<String> asked = new HashSet<>();
    for (TaskSpec t : requested) {
      asked.add(t.name());
    }
    for (TaskOutcome o : report.tasks()) {
      if (!asked.contains(o.task())) {
        return new Misfit(
            "CheckReport of cycle " + id + " has task '" + o.task() + "', which was not requested");
      }
      if (byTask.put(o.task(), o) != null) {
        return new Misfit("CheckReport of cycle " + id + " has task '" + o.task() + "' twice");
      }
    }
    List<Checked> out = new ArrayList<>();
    List<TaskSpec> toApply = new ArrayList<>();
    Map<String, Status> seenNow = new HashMap<>();
    boolean anyFailed = false;
    for (TaskSpec spec : requested) {
      TaskOutcome outcome = byTask.get(spec.name());
      TaskVerdict verdict =
          outcome == null
              ? TaskVerdict.error("the agent did not report this task")
              : TaskVerdict.ofCheck(spec, outcome, now);
      // Execution errors are retried with backoff, never applied.
      anyFailed |= verdict.status() == Status.ERROR;
      DriftPolicy policy = policyIfCurrent.apply(spec);
      DriftDecision decision = null;
      if (policy != null && verdict.status() == Status.DRIFTED) {
        decision =
            DriftDecision.onDrift(policy, request.isManual(spec.name()), webhook, gates.of(spec));
        if (decision.apply()) {
          toApply.add(spec);
        }
      }
      seenNow.put(spec.name(), verdict.status());
      out.add(new Checked(spec, outcome, verdict, policy != null, decision));
    }
    for (TaskSpec spec : requested) {
      for (String dep : spec.dependsOn()) {
        if (!seenNow.containsKey(dep)) {
          Status known = gates.known().apply(dep);
          if (known != null) {
            seenNow.put(dep, known);
          }
        }
      }
    }
    return new Judged(
        out,
        new Cycle(id, request, requested, toApply, null, failed || anyFailed, seenNow, List.of()));
  }

  /**
   * Why an agent message that claims to belong to this cycle cannot (a protocol violation), or null
   * when it fits or belongs to another cycle. Results of another cycle never advance this one; late
   * results (started on an earlier connection) are never of this cycle.
   */
  String misfit(AgentMessage msg) {
    if (msg instanceof AgentMessage.CheckReport r && r.cycleId() == id && applying != null) {
      return "CheckReport for cycle " + id + ", which is not waiting for one";
    }
    if (msg instanceof AgentMessage.ApplyResult r
        && !r.late()
        && r.cycleId() == id
        && !awaits(r.task().task())) {
      return "ApplyResult for task '"
          + r.task().task()
          + "' in cycle "
          + id
          + (applying == null
              ? ", which requested no apply of it"
              : ", but '" + applying.name() + "' was requested");
    }
    return null;
  }

  /** True when an ApplyResult for {@code task} is the one this cycle waits for. */
  boolean awaits(String task) {
    return applying != null && applying.name().equals(task);
  }

  /**
   * The next apply taken off the queue (its ApplyRequest goes out), or null when none is left. The
   * queue is taken in dependency order, declaration order breaking ties: the first queued task
   * whose dependencies are all satisfied in this cycle ({@link #seen}); call {@link #settled()}
   * first so that tasks that can no longer be applied in this cycle are out of the queue.
   */
  Cycle nextApply() {
    Cycle c = settled();
    for (TaskSpec t : c.queue) {
      if (c.ready(t)) {
        List<TaskSpec> rest = new ArrayList<>(c.queue);
        rest.remove(t);
        return new Cycle(id, request, requested, rest, t, c.failed, c.seen, c.waiting);
      }
    }
    return null;
  }

  /**
   * The cycle with every queued task whose dependency will not be satisfied in it (not matched, or
   * seen neither satisfied nor queued) moved to {@link #waiting}, until none is left; the queue of
   * a cycle built from a valid manifest set (no dependency cycle) then always has a ready task or
   * is empty.
   */
  Cycle settled() {
    List<TaskSpec> q = new ArrayList<>(queue);
    List<Waiting> w = new ArrayList<>(waiting);
    boolean changed = true;
    while (changed) {
      changed = false;
      for (TaskSpec t : List.copyOf(q)) {
        String why = blockedBy(t, q);
        if (why != null) {
          q.remove(t);
          w.add(new Waiting(t, why));
          changed = true;
        }
      }
    }
    if (w.size() == waiting.size()) {
      return this;
    }
    return new Cycle(id, request, requested, q, applying, failed, seen, w);
  }

  private boolean ready(TaskSpec t) {
    for (String dep : t.dependsOn()) {
      if (seen.get(dep) != Status.SATISFIED) {
        return false;
      }
    }
    return true;
  }

  /** Why {@code t} cannot be applied in this cycle, or null while it still may be. */
  private String blockedBy(TaskSpec t, List<TaskSpec> q) {
    for (String dep : t.dependsOn()) {
      Status s = seen.get(dep);
      if (s == Status.SATISFIED) {
        continue;
      }
      boolean pending =
          (applying != null && applying.name().equals(dep))
              || q.stream().anyMatch(o -> o.name().equals(dep));
      if (pending) {
        continue;
      }
      return "waiting for dependency '"
          + dep
          + "': "
          + (s == null ? "not matched on this agent" : s.word() + " on this agent")
          + "; applied once it is satisfied";
    }
    return null;
  }

  /** The running apply ended with {@code verdict}; the queue goes on. */
  Cycle applied(TaskVerdict verdict) {
    Map<String, Status> s = new HashMap<>(seen);
    s.put(applying.name(), verdict.status());
    return new Cycle(
        id,
        request,
        requested,
        queue,
        null,
        failed || verdict.status() != Status.SATISFIED,
        s,
        waiting);
  }

  /**
   * The apply just taken off the queue is not sent (its task changed or went away meanwhile): the
   * queue goes on without it; what depends on it waits.
   */
  Cycle givenUpOn() {
    return new Cycle(id, request, requested, queue, null, failed, seen, waiting);
  }

  /** The server gave up waiting: the rest of the cycle is dropped, and it counts as failed. */
  Cycle givenUp() {
    return new Cycle(id, request, requested, List.of(), null, true, seen, waiting);
  }
}

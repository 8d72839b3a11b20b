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
 */
record Cycle(
    long id,
    CycleRequest request,
    List<TaskSpec> requested,
    List<TaskSpec> queue,
    TaskSpec applying,
    boolean failed) {

  Cycle {
    requested = List.copyOf(requested);
    queue = List.copyOf(queue);
  }

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
    return onCheckReport(report, policyIfCurrent, spec -> Gates.OPEN, webhook, now);
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
            DriftDecision.onDrift(
                policy, request.isManual(spec.name()), webhook, gates.apply(spec));
        if (decision.apply()) {
          toApply.add(spec);
        }
      }
      out.add(new Checked(spec, outcome, verdict, policy != null, decision));
    }
    return new Judged(out, new Cycle(id, request, requested, toApply, null, failed || anyFailed));
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

  /** The next apply taken off the queue (its ApplyRequest goes out), or null when none is left. */
  Cycle nextApply() {
    if (queue.isEmpty()) {
      return null;
    }
    return new Cycle(id, request, requested, queue.subList(1, queue.size()), queue.get(0), failed);
  }

  /** The running apply ended with {@code verdict}; the queue goes on. */
  Cycle applied(TaskVerdict verdict) {
    return new Cycle(
        id, request, requested, queue, null, failed || verdict.status() != Status.SATISFIED);
  }

  /** The server gave up waiting: the rest of the cycle is dropped, and it counts as failed. */
  Cycle givenUp() {
    return new Cycle(id, request, requested, List.of(), null, true);
  }
}

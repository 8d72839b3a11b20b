package dev.fluke.server;

import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * What an agent's apply results do (SPEC §4 step 5), for the one its cycle waits for and for late
 * ones alike: each is recorded once per (cycle, task) across the agent's connections ({@link
 * ReceivedResults}), an event per step, the verdict ({@link TaskVerdict#ofApply}), {@code
 * drift_remediated} where {@link DriftDecision} says so, and the task's new status. Owned by the
 * agent's {@link CycleRunner} and used on its thread only.
 */
final class ApplyResults {
  private final String agent;
  private final Map<String, String> labels;
  private final AgentTasks tasks;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final SessionEvents log;
  private final ReceivedResults received;
  private final boolean webhook;
  private final Logger logger;

  ApplyResults(
      String agent,
      Map<String, String> labels,
      AgentTasks tasks,
      ActorRef<DriftAlerter.Command> alerter,
      SessionEvents log,
      ReceivedResults received,
      boolean webhook,
      Logger logger) {
    this.agent = agent;
    this.labels = labels;
    this.tasks = tasks;
    this.alerter = alerter;
    this.log = log;
    this.received = received;
    this.webhook = webhook;
    this.logger = logger;
  }

  /** The result of {@code spec}'s apply, which the current cycle waits for; returns its verdict. */
  TaskVerdict inCycle(TaskSpec spec, ApplyResult r, Instant now) {
    received.firstTime(r.cycleId(), r.task().task());
    log.steps(spec, r.task(), "");
    TaskVerdict verdict = TaskVerdict.ofApply(spec, r.task(), now);
    judge(spec.name(), verdict, now);
    return verdict;
  }

  /**
   * A late result (the apply started on an earlier connection) or one of a cycle given up on.
   * Duplicates are only acknowledged; a result for a task whose newer apply is running ({@code
   * applyingNow}) is recorded as events but leaves the status to the running apply.
   */
  void other(ApplyResult r, TaskSpec applyingNow, Instant now) {
    String task = r.task().task();
    if (!received.firstTime(r.cycleId(), task)) {
      logger.debug(
          "Agent {}: duplicate result of task '{}' in cycle {} (acknowledged again)",
          agent,
          task,
          r.cycleId());
      return;
    }
    TaskState ts = tasks.get(task);
    String note =
        r.late()
            ? "late: started on an earlier connection"
            : "cycle " + r.cycleId() + " was given up";
    log.steps(ts == null ? null : ts.spec(), r.task(), note);
    if (ts == null || applyingNow != null && applyingNow.name().equals(task)) {
      return;
    }
    judge(task, TaskVerdict.ofApply(ts.spec(), r.task(), now), now);
  }

  private void judge(String task, TaskVerdict verdict, Instant now) {
    TaskState ts = tasks.get(task);
    if (ts == null) {
      return;
    }
    if (DriftDecision.alertRemediated(ts.policy())) {
      alerter.tell(
          new DriftAlerter.DriftRemediated(
              agent, labels, task, ts.policy(), verdict.remediationOutcome()));
      if (DriftDecision.markAlertedAfterApply(ts.policy(), webhook)) {
        tasks.change(task, TaskState::withAlerted);
      }
    }
    tasks.judged(ts.spec(), verdict, now, true);
  }
}

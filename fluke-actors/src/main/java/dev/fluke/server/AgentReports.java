package dev.fluke.server;

import dev.fluke.exec.Phase;
import dev.fluke.hcl.Durations;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * What an agent's reports and the server's timeouts do to its tasks (SPEC §4 step 5): an event per
 * step, the verdict, the alerts {@link DriftDecision} chose, and each task's new status in {@link
 * AgentTasks}. Apply results are recorded once per (cycle, task) across the agent's connections
 * ({@link ReceivedResults}), for the one a cycle waits for and for late ones alike. Owned by the
 * agent's {@link CycleRunner} and used on its thread only; the runner decides what comes next.
 */
final class AgentReports {
  private final String agent;
  private final Map<String, String> labels;
  private final AgentTasks tasks;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final SessionEvents log;
  private final ReceivedResults received;
  private final boolean webhook;
  private final Logger logger;
  private final FlapGuard flaps;
  private final FlapLimit defaultFlap;
  private final RolloutGates rollouts;

  AgentReports(
      String agent,
      Map<String, String> labels,
      AgentTasks tasks,
      ActorRef<DriftAlerter.Command> alerter,
      SessionEvents log,
      ReceivedResults received,
      boolean webhook,
      Logger logger,
      FlapGuard flaps,
      FlapLimit defaultFlap,
      RolloutGates rollouts) {
    this.agent = agent;
    this.labels = labels;
    this.tasks = tasks;
    this.alerter = alerter;
    this.log = log;
    this.received = received;
    this.webhook = webhook;
    this.logger = logger;
    this.flaps = flaps;
    this.defaultFlap = defaultFlap;
    this.rollouts = rollouts;
  }

  /** Every requested task's check, judged by the cycle: events, alerts, statuses. */
  void checked(Cycle.Judged judged, Instant now) {
    for (Cycle.Checked t : judged.tasks()) {
      if (t.outcome() == null) {
        log.task(Phase.CHECK, t.spec().name(), "error", "", t.verdict().message());
      } else {
        log.steps(t.spec(), t.outcome(), "");
      }
      if (!t.current()) {
        continue; // the task changed or went away meanwhile; the follow-up checks it again
      }
      DriftDecision d = t.decision();
      TaskVerdict verdict = t.verdict();
      if (d != null && d.blockedBy() != null) {
        // Held back (suspended, outside its window): still drifted, and the status says why.
        String why = "not applied: " + d.blockedBy();
        log.task(Phase.APPLY, t.spec().name(), "blocked", "", why);
        verdict = new TaskVerdict(verdict.status(), why, verdict.executors());
      }
      if (d != null && d.alertDetected()) {
        TaskState ts = tasks.get(t.spec().name());
        alerter.tell(
            new DriftAlerter.DriftDetected(
                agent, labels, ts.spec().name(), ts.policy(), "not_remediated"));
        if (d.markAlerted()) {
          tasks.change(ts.spec().name(), TaskState::withAlerted);
        }
      }
      tasks.judged(t.spec(), verdict, now, false);
      if (d != null && d.hold() == DriftDecision.Hold.FLAPPING) {
        flapping(t.spec());
      }
      if (d != null && d.hold() == DriftDecision.Hold.ROLLOUT) {
        String why = rollouts.reason(t.spec());
        tasks.change(t.spec().name(), ts -> ts.held(why));
      }
    }
  }

  /** The flap guard holds a drifted task: status flapping; the first time, an event and alert. */
  private void flapping(TaskSpec spec) {
    FlapLimit limit = spec.effectiveFlapLimit(defaultFlap);
    String why = FlapGuard.message(limit);
    tasks.change(spec.name(), ts -> ts.flapping(why));
    if (flaps.markFlapping(spec.name())) {
      logger.warn("Agent {}: task '{}' is flapping; remediation stops", agent, spec.name());
      log.task(Phase.APPLY, spec.name(), "flapping", "", why);
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("policy", tasks.get(spec.name()).policy().hclName());
      details.put("max_remediations", limit.maxRemediations());
      details.put("period", Durations.format(limit.period()));
      alerter.tell(
          new DriftAlerter.Announce("drift_flapping", agent, labels, spec.name(), details));
    }
  }

  /**
   * Drifted tasks the cycle did not apply because a dependency is not satisfied: the reason is
   * their message and an event ({@code apply/waiting}).
   */
  void waiting(List<Cycle.Waiting> waiting) {
    for (Cycle.Waiting w : waiting) {
      if (tasks.get(w.spec().name()) == null) {
        continue;
      }
      log.task(Phase.APPLY, w.spec().name(), "waiting", "", w.reason());
      tasks.change(w.spec().name(), ts -> ts.held(w.reason()));
    }
  }

  /**
   * The server gave up waiting for cycle {@code c}'s answer: its CheckReport (every task it checks
   * errs) or the ApplyResult of the task it applies ({@code output}: that apply's last lines). The
   * runner cancels the cycle; a failed cycle is retried.
   */
  void timedOut(Cycle c, String output, ServerSettings.Reconcile r, Instant now) {
    if (c.applying() == null) {
      String why = gaveUp("CheckReport", r.checkTimeout());
      logger.warn("Agent {}: {}", agent, why);
      for (TaskSpec spec : c.requested()) {
        log.task(Phase.CHECK, spec.name(), "error", "", why);
        tasks.change(spec.name(), ts -> ts.timedOut(why, now));
      }
      return;
    }
    String task = c.applying().name();
    String why = gaveUp("ApplyResult", r.applyTimeout());
    logger.warn("Agent {}: task {}: {}", agent, task, why);
    log.task(Phase.APPLY, task, "error", output, why);
    tasks.change(task, ts -> ts.timedOut(why, now));
  }

  private static String gaveUp(String what, Duration timeout) {
    return "no " + what + " within " + Durations.format(timeout) + "; cancelled, will retry";
  }

  /**
   * The result of {@code spec}'s apply, which the current cycle waits for; returns its verdict. An
   * automatic apply ({@code manual} false) that made the task satisfied counts in the flap guard.
   */
  TaskVerdict inCycle(TaskSpec spec, ApplyResult r, Instant now, boolean manual) {
    received.firstTime(r.cycleId(), r.task().task());
    log.steps(spec, r.task(), "");
    TaskVerdict verdict = TaskVerdict.ofApply(spec, r.task(), now);
    judge(spec.name(), verdict, now);
    if (!manual && verdict.status() == dev.fluke.api.Status.SATISFIED) {
      flaps.remediated(spec.name(), spec.effectiveFlapLimit(defaultFlap), now);
    }
    return verdict;
  }

  /**
   * Cluster mode: when {@code r} is late and not received here, whether another node recorded it
   * ({@link ReceivedResults#recordedElsewhere}); null when there is nothing to look up.
   */
  CompletionStage<Boolean> lookUp(ApplyResult r) {
    return received.lookUp(r.cycleId(), r.task().task(), r.late())
        ? received.recordedElsewhere(r.cycleId(), r.task().task())
        : null;
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

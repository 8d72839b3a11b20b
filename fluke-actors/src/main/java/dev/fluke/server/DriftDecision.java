package dev.fluke.server;

import dev.fluke.manifest.DriftPolicy;

/**
 * Every choice the engine makes from a drift policy, in one place (SPEC §1, §4 step 3): whether a
 * drifted task is applied, which alert goes out, and whether the task shows as alerted. Pure: a
 * function of the task's effective policy, whether a person asked for the cycle, and whether alerts
 * can be delivered at all. The {@link CycleRunner} acts on the answer; the {@link DriftAlerter}
 * delivers alerts once per drift episode.
 *
 * @param apply send an ApplyRequest
 * @param alertDetected send {@code drift_detected}
 * @param markAlerted show the task as alerted (only when an alert can go out: without a webhook the
 *     alert is just an event)
 * @param hold why a drifted task the policy would remediate is not applied now ({@link Hold#NONE}
 *     when nothing holds it)
 */
record DriftDecision(boolean apply, boolean alertDetected, boolean markAlerted, Hold hold) {

  /** What may hold back an automatic remediation (issue 10); a manual reconcile passes them all. */
  enum Hold {
    NONE,
    /** The agent's {@link FlapGuard}: remediated too often within the period. */
    FLAPPING,
    /** The task's rollout of the new commit has not reached this agent, or was halted. */
    ROLLOUT
  }

  DriftDecision(boolean apply, boolean alertDetected, boolean markAlerted) {
    this(apply, alertDetected, markAlerted, Hold.NONE);
  }

  /**
   * A check found the task drifted, with what may hold back its remediation: {@code flapping} (the
   * agent's flap guard holds it) and {@code rolloutHeld} (its rollout has not reached this agent or
   * is halted). A manual cycle always applies; held tasks are not applied and announce nothing here
   * (the guard and the rollout send their own alert once).
   */
  static DriftDecision onDrift(
      DriftPolicy policy, boolean manual, boolean webhook, boolean flapping, boolean rolloutHeld) {
    DriftDecision d = onDrift(policy, manual, webhook);
    if (manual || !d.apply()) {
      return d;
    }
    if (rolloutHeld) {
      return new DriftDecision(false, false, false, Hold.ROLLOUT);
    }
    if (flapping) {
      return new DriftDecision(false, false, false, Hold.FLAPPING);
    }
    return d;
  }

  /** A check found the task drifted. */
  static DriftDecision onDrift(DriftPolicy policy, boolean manual, boolean webhook) {
    if (manual) {
      // A person asked for it: always apply; there is nothing to announce before the apply.
      return new DriftDecision(true, false, false);
    }
    return switch (policy) {
      case REMEDIATE, REMEDIATE_AND_ALERT -> new DriftDecision(true, false, false);
      case ALERT_ONLY -> new DriftDecision(false, true, webhook);
    };
  }

  /**
   * An apply's result arrived (in its cycle, late after a reconnect, or after its cycle was given
   * up): whether {@code drift_remediated} goes out. Manual or not: remediate_and_alert's point is
   * an external record of every change; the other policies announce no remediation.
   */
  static boolean alertRemediated(DriftPolicy policy) {
    return policy == DriftPolicy.REMEDIATE_AND_ALERT;
  }

  /** Whether a {@code drift_remediated} alert shows the task as alerted. */
  static boolean markAlertedAfterApply(DriftPolicy policy, boolean webhook) {
    return alertRemediated(policy) && webhook;
  }
}

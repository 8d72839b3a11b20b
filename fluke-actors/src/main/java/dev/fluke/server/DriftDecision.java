package dev.fluke.server;

import dev.fluke.manifest.DriftPolicy;

/**
 * Every choice the engine makes from a drift policy, in one place (SPEC §1, §4 step 3): whether a
 * drifted task is applied, which alert goes out, and whether the task shows as alerted. Pure: a
 * function of the task's effective policy, whether a person asked for the cycle, whether alerts can
 * be delivered at all, and what may hold the apply back ({@link Gates}: a suspension, a closed
 * maintenance window). The {@link CycleRunner} acts on the answer; the {@link DriftAlerter}
 * delivers alerts once per drift episode.
 *
 * @param apply send an ApplyRequest
 * @param alertDetected send {@code drift_detected}
 * @param markAlerted show the task as alerted (only when an alert can go out: without a webhook the
 *     alert is just an event)
 * @param blockedBy why the apply is held back by a suspension or a closed maintenance window (shown
 *     in the task's status and recorded as an event {@code apply/blocked}), or null
 * @param hold what holds back an automatic remediation the policy would make: the task's rollout or
 *     the flap guard ({@link Hold#NONE} when nothing holds it; never set with {@code blockedBy})
 */
record DriftDecision(
    boolean apply, boolean alertDetected, boolean markAlerted, String blockedBy, Hold hold) {

  /**
   * What may hold back an automatic remediation besides a suspension or a window (issue 10); a
   * manual reconcile passes them all.
   */
  enum Hold {
    NONE,
    /** The agent's {@link FlapGuard}: remediated too often within the period. */
    FLAPPING,
    /** The task's rollout of the new commit has not reached this agent, or was halted. */
    ROLLOUT
  }

  DriftDecision {
    hold = hold == null ? Hold.NONE : hold;
  }

  DriftDecision(boolean apply, boolean alertDetected, boolean markAlerted) {
    this(apply, alertDetected, markAlerted, null, Hold.NONE);
  }

  DriftDecision(boolean apply, boolean alertDetected, boolean markAlerted, String blockedBy) {
    this(apply, alertDetected, markAlerted, blockedBy, Hold.NONE);
  }

  DriftDecision(boolean apply, boolean alertDetected, boolean markAlerted, Hold hold) {
    this(apply, alertDetected, markAlerted, null, hold);
  }

  /** A check found the task drifted; nothing holds it back. */
  static DriftDecision onDrift(DriftPolicy policy, boolean manual, boolean webhook) {
    return onDrift(policy, manual, webhook, Gates.OPEN);
  }

  /**
   * A check found the task drifted.
   *
   * <p>A suspension or a closed window holds back every apply, automatic or manual, unless the
   * manual reconcile was forced. It never holds back information: an alerting policy still sends
   * {@code drift_detected} — for {@code remediate_and_alert} too, since the drift will not be
   * remediated now — while {@code remediate} stays silent as always.
   *
   * <p>Then, for an automatic cycle only, the task's rollout (not reached this agent, or halted)
   * and the flap guard hold back a remediation the policy would make, in that order ({@link
   * Gates#hold()}); held tasks announce nothing here (the guard and the rollout send their own
   * alert once).
   */
  static DriftDecision onDrift(DriftPolicy policy, boolean manual, boolean webhook, Gates gates) {
    String blocked = gates.blockedBy();
    if (blocked != null && !(manual && gates.force())) {
      boolean alert = !manual && policy.alerts();
      String why = manual ? blocked + "; a manual reconcile with --force applies it" : blocked;
      return new DriftDecision(false, alert, alert && webhook, why);
    }
    if (manual) {
      // A person asked for it: always apply; there is nothing to announce before the apply.
      return new DriftDecision(true, false, false);
    }
    DriftDecision d =
        switch (policy) {
          case REMEDIATE, REMEDIATE_AND_ALERT -> new DriftDecision(true, false, false);
          case ALERT_ONLY -> new DriftDecision(false, true, webhook);
        };
    Hold hold = gates.hold();
    if (!d.apply() || hold == Hold.NONE) {
      return d;
    }
    return new DriftDecision(false, false, false, hold);
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

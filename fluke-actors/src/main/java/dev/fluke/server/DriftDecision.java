package dev.fluke.server;

import dev.fluke.manifest.DriftPolicy;

/**
 * What the server does about a drifted task (SPEC §1, §4 step 3). A pure function of the task's
 * effective policy and whether the cycle was started by a manual reconcile.
 *
 * @param apply send an ApplyRequest
 * @param alertDetected send {@code drift_detected} (once per drift episode)
 * @param alertRemediated send {@code drift_remediated} after the apply (once per drift episode)
 */
record DriftDecision(boolean apply, boolean alertDetected, boolean alertRemediated) {

  static DriftDecision decide(DriftPolicy policy, boolean manual) {
    if (manual) {
      // A person asked for it: always apply. drift_remediated still goes out for
      // remediate_and_alert,
      // because its point is an external record of every change; alert_only has nothing to
      // announce.
      return new DriftDecision(true, false, policy == DriftPolicy.REMEDIATE_AND_ALERT);
    }
    return switch (policy) {
      case REMEDIATE -> new DriftDecision(true, false, false);
      case REMEDIATE_AND_ALERT -> new DriftDecision(true, false, true);
      case ALERT_ONLY -> new DriftDecision(false, true, false);
    };
  }
}

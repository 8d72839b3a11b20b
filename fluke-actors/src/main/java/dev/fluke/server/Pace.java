package dev.fluke.server;

import java.time.Duration;
import java.time.Instant;

/**
 * What an agent's {@link CycleRunner} keeps between cycles (pure; replaced as cycles start and
 * end): the newest cycle id issued, the one follow-up that triggers arriving meanwhile merge into
 * (SPEC §4), the failed cycles in a row that the retry backoff counts, when the last cycle ended,
 * and the newest manual request served.
 */
record Pace(
    long lastIssued,
    CycleRequest followUp,
    int failedInARow,
    Instant lastCycleEndedAt,
    long manualServed) {

  static Pace start(long cycleBase) {
    return new Pace(cycleBase, null, 0, null, 0);
  }

  /** The id of the next cycle, and the pace that issued it. */
  Pace issue() {
    return new Pace(lastIssued + 1, followUp, failedInARow, lastCycleEndedAt, manualServed);
  }

  /** A trigger while a cycle is in flight: it joins the one follow-up. */
  Pace later(CycleRequest r) {
    CycleRequest merged = followUp == null ? r : followUp.merge(r);
    return new Pace(lastIssued, merged, failedInARow, lastCycleEndedAt, manualServed);
  }

  /** The follow-up is starting now. */
  Pace followUpTaken() {
    return new Pace(lastIssued, null, failedInARow, lastCycleEndedAt, manualServed);
  }

  /** A manual request that needs no cycle here (none of its tasks is matched) is served at once. */
  Pace served(long request) {
    return new Pace(
        lastIssued, followUp, failedInARow, lastCycleEndedAt, Math.max(manualServed, request));
  }

  /**
   * Cycle {@code c} ended: a failed one counts towards the backoff; only a clean full cycle proves
   * that nothing is left to retry (a manual one-task cycle does not).
   */
  Pace ended(Cycle c, Instant now) {
    int failed = c.failed() ? failedInARow + 1 : c.request().full() ? 0 : failedInARow;
    return new Pace(
        lastIssued, followUp, failed, now, Math.max(manualServed, c.request().manualRequest()));
  }

  /** The wait before retrying after the last failed cycle (SPEC §4: doubling, capped). */
  Duration retryDelay(ServerSettings.Reconcile r) {
    return Backoff.delay(failedInARow, r.retryBackoffMin(), r.retryCap());
  }
}

package dev.fluke.agent;

import java.util.function.BooleanSupplier;

/**
 * Whether the running work was cancelled, and why: the flag the executors poll while a process runs
 * (a cancelled process tree is killed and the step ends as an ERROR), set from the actors. Thread-
 * safe.
 */
final class Cancellation implements BooleanSupplier {
  private volatile String reason;
  private volatile boolean cancelled;

  /**
   * Cancels the work.
   *
   * @param why said in the results of the steps it stopped and skipped (e.g. "the agent was
   *     stopping and its stop_grace of 2m ran out"); null for a plain "cancelled" (the server's
   *     Cancel)
   */
  void cancel(String why) {
    if (!cancelled) {
      reason = why;
      cancelled = true;
    }
  }

  @Override
  public boolean getAsBoolean() {
    return cancelled;
  }

  /** Why it was cancelled; null when it was not, or for a plain cancel. */
  String reason() {
    return reason;
  }

  /** The message of a step that was not run because of the cancellation. */
  String skipMessage() {
    String why = reason;
    return why == null ? "cancelled" : "cancelled: " + why;
  }
}

package dev.fluke.exec;

/**
 * The outcome of one executor operation.
 *
 * <ul>
 *   <li>check / verify: {@link #SATISFIED} (exit 0), {@link #DRIFTED} (non-zero), {@link #ERROR}
 *       (could not run at all: missing binary, timeout, bad working dir, failed git sync).
 *   <li>apply: {@link #APPLIED} (exit 0), {@link #FAILED} (non-zero), {@link #ERROR} (could not
 *       run).
 *   <li>{@link #SKIPPED}: not run, because an earlier block aborted the task.
 * </ul>
 *
 * An {@code ERROR} is never treated as drift and never leads to an apply.
 */
public enum Outcome {
  SATISFIED,
  DRIFTED,
  APPLIED,
  FAILED,
  ERROR,
  SKIPPED;

  public String wireName() {
    return name().toLowerCase();
  }

  public boolean isFailure() {
    return this == FAILED || this == ERROR || this == DRIFTED;
  }
}

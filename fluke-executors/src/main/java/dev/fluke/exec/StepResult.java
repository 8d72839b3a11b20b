package dev.fluke.exec;

import java.time.Duration;

/**
 * What one executor operation did.
 *
 * @param exitCode the process exit code, or -1 when no process ran to completion
 * @param output the tail of combined stdout/stderr, capped by {@link
 *     ExecSettings#outputTailBytes()}
 * @param message a one-line human explanation (e.g. "timed out after 5m", "mise task 'check' not
 *     found")
 */
public record StepResult(
    Phase phase, Outcome outcome, int exitCode, String output, Duration duration, String message) {
  public StepResult {
    output = output == null ? "" : output;
    message = message == null ? "" : message;
    duration = duration == null ? Duration.ZERO : duration;
  }

  public static StepResult error(Phase phase, String message, Duration duration) {
    return new StepResult(phase, Outcome.ERROR, -1, "", duration, message);
  }

  public static StepResult skipped(Phase phase, String why) {
    return new StepResult(phase, Outcome.SKIPPED, -1, "", Duration.ZERO, why);
  }
}

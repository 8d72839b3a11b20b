package dev.fluke.manifest;

import java.time.Duration;
import java.util.Objects;

/**
 * The flap guard of a task ({@code drift { max_remediations = 5 period = "1h" }}): a task
 * remediated {@code maxRemediations} times within {@code period} on one agent is not remediated
 * there again until a manual reconcile or a new commit.
 */
public record FlapLimit(int maxRemediations, Duration period) {
  /** Used when neither the task nor server.hcl says otherwise: 5 in 1 h. */
  public static final FlapLimit DEFAULT = new FlapLimit(5, Duration.ofHours(1));

  public FlapLimit {
    Objects.requireNonNull(period, "period");
    if (maxRemediations < 1) {
      throw new IllegalArgumentException("max_remediations must be at least 1");
    }
    if (period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("period must be positive");
    }
  }
}

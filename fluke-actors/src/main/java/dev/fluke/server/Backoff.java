package dev.fluke.server;

import java.time.Duration;

/** Exponential backoff: {@code min} for the first retry, doubling with each further one, capped. */
final class Backoff {
  private Backoff() {}

  /**
   * @param attempt 1 for the first retry
   */
  static Duration delay(int attempt, Duration min, Duration max) {
    if (attempt <= 1) {
      return min.compareTo(max) < 0 ? min : max;
    }
    // Doubling past 2^30 overflows long before it matters: anything that large is capped anyway.
    int shift = Math.min(attempt - 1, 30);
    Duration d = min.multipliedBy(1L << shift);
    return d.compareTo(max) < 0 ? d : max;
  }
}

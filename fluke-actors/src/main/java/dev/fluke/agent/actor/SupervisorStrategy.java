package dev.fluke.agent.actor;

import java.time.Duration;

/**
 * What happens to an actor whose behavior throws. Without one (the default) it stops, and whoever
 * watches it hears so. With {@link #restartWithBackoff} it is started again from its initial
 * behavior (its timers cancelled, its children stopped, {@link PreRestart} first) after a delay
 * that doubles with each failure in a row, from {@code min} to {@code max}, randomised by up to
 * {@code randomFactor}; messages that arrive meanwhile wait (up to {@link #BACKOFF_BUFFER}). The
 * count of failures in a row starts over once the actor ran for {@code max} without failing.
 */
public record SupervisorStrategy(Duration min, Duration max, double randomFactor) {

  /** Messages kept for an actor waiting to be restarted; beyond this they are dropped. */
  public static final int BACKOFF_BUFFER = 1000;

  public static SupervisorStrategy restartWithBackoff(
      Duration min, Duration max, double randomFactor) {
    return new SupervisorStrategy(min, max, randomFactor);
  }

  /** The delay before restart number {@code n} (1 for the first), with {@code random} in [0, 1). */
  Duration delay(int n, double random) {
    double base = min.toNanos() * Math.pow(2, Math.min(n - 1, 30));
    double capped = Math.min(base, max.toNanos());
    return Duration.ofNanos((long) (capped * (1 + random * randomFactor)));
  }
}

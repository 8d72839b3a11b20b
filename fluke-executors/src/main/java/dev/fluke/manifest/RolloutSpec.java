package dev.fluke.manifest;

import java.time.Duration;
import java.util.Objects;

/**
 * A task's staged rollout of a new commit ({@code rollout { canary = 2 batch = "20%" max_failures =
 * 1 pause = "30s" }}): first {@code canary} agents, then batches of {@code batchSize} agents or
 * {@code batchPercent} % of the matched agents (at least one), each started when the previous stage
 * has all reported and {@code pause} has passed; more than {@code maxFailures} failed agents halt
 * the rollout of that commit for the task.
 *
 * @param batchPercent the batch as a percentage of the matched agents (1-100), or 0 when {@code
 *     batchSize} is given
 * @param batchSize the batch as a number of agents, or 0 when {@code batchPercent} is given
 */
public record RolloutSpec(
    int canary, int batchPercent, int batchSize, int maxFailures, Duration pause) {
  public RolloutSpec {
    Objects.requireNonNull(pause, "pause");
    if (canary < 0 || maxFailures < 0 || pause.isNegative()) {
      throw new IllegalArgumentException("rollout values must not be negative");
    }
    if ((batchPercent == 0) == (batchSize == 0) || batchPercent < 0 || batchPercent > 100) {
      throw new IllegalArgumentException("exactly one of batchPercent (1-100) and batchSize");
    }
  }

  /** How many agents one batch holds when {@code matched} agents match the task (at least 1). */
  public int batchOf(int matched) {
    if (batchSize > 0) {
      return batchSize;
    }
    return Math.max(1, (int) Math.ceil(matched * batchPercent / 100.0));
  }

  /** The batch as written: {@code "20%"} or {@code "5"}. */
  public String batchText() {
    return batchSize > 0 ? Integer.toString(batchSize) : batchPercent + "%";
  }
}

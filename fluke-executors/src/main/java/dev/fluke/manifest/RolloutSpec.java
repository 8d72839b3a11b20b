package dev.fluke.manifest;

import dev.fluke.hcl.Decoded;
import dev.fluke.hcl.Diagnostics;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  private static final Pattern BATCH = Pattern.compile("([0-9]{1,6})(%?)");

  /**
   * A decoded {@code rollout { canary batch max_failures pause }} block (schema {@link
   * HclManifestLoader#ROLLOUT}, defaults filled in), or empty with the errors reported at their
   * {@code file:line:column}. Used for a task's block and for server.hcl's fleet default.
   */
  public static Optional<RolloutSpec> fromHcl(Decoded r, Diagnostics diags) {
    Integer canary = r.wholeNumber("canary", 0, 1_000_000, diags);
    Integer maxFailures = r.wholeNumber("max_failures", 0, 1_000_000, diags);
    String batch = r.string("batch");
    Matcher m = BATCH.matcher(batch == null ? "" : batch);
    int percent = 0;
    int size = 0;
    if (!m.matches()
        || Integer.parseInt(m.group(1)) < 1
        || (!m.group(2).isEmpty() && Integer.parseInt(m.group(1)) > 100)) {
      if (batch != null) {
        diags.error(
            r.posOf("batch"),
            "bad \"batch\" in "
                + r.where()
                + ": \""
                + batch
                + "\"; expected a percentage of the matched agents from \"1%\" to \"100%\", or"
                + " a number of agents such as \"5\"");
      }
    } else if (m.group(2).isEmpty()) {
      size = Integer.parseInt(m.group(1));
    } else {
      percent = Integer.parseInt(m.group(1));
    }
    if (canary == null
        || maxFailures == null
        || (percent == 0 && size == 0)
        || r.string("pause") == null) {
      return Optional.empty();
    }
    return Optional.of(
        new RolloutSpec(canary, percent, size, maxFailures, Durations.parse(r.string("pause"))));
  }
}

package dev.fluke.exec;

import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;

/**
 * The executor interface (SPEC §1): a typed block with its own schema and two operations. It is
 * kept small and free of Pekko so that it can later become the boundary to external executor
 * plugins.
 *
 * <p>Both operations block the calling thread until the work is done; callers (executor actors on
 * the agent) run them on a dedicated dispatcher. Implementations never throw for failures of the
 * host: they return a {@link StepResult} with {@link Outcome#ERROR}.
 */
public interface Executor {
  /** The block type in manifests: {@code mise}, {@code systemd}, {@code shell}. */
  String type();

  /** The block's schema, checked when manifests are parsed. {@code on_failure} is common to all. */
  Schema schema();

  /** Read-only: SATISFIED (exit 0), DRIFTED (non-zero) or ERROR (could not run). */
  StepResult check(ExecutorSpec spec, ExecContext ctx);

  /**
   * Whether this block's check changes the host before it looks (mise's {@code git} sync): such a
   * check never runs at the same time as another check of its request, and the checks after it
   * start only once it has ended (docs/configuration.md, {@code check_concurrency}). Read-only
   * checks, the contract's rule, may run concurrently; the default says a check is read-only.
   *
   * @param dryRun the check of a plan ({@link ExecContext#dryRun()}), which changes nothing
   */
  default boolean checkChangesHost(ExecutorSpec spec, boolean dryRun) {
    return false;
  }

  /**
   * Bring the host to the desired state: APPLIED, FAILED or ERROR. Streams lines to the context.
   */
  StepResult apply(ExecutorSpec spec, ExecContext ctx);
}

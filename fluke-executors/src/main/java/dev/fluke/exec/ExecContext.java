package dev.fluke.exec;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What an executor operation runs with: the agent's settings, a sink for output lines as they are
 * produced (apply output is streamed live to the server), a cancellation flag polled while a
 * process runs (a cancelled process tree is killed and the step is an ERROR "cancelled"), and a
 * hook told about every process {@link ProcessRunner} starts for this operation, right after it
 * started (the agent records the running apply's process so that a restarted agent can find it:
 * docs/protocol.md, "Stopping and restarting").
 *
 * @param processStarted called on the running thread with every started process; a command with
 *     {@link ProcessRunner.Command#ownGroup()} (what an apply runs) leads its own process group
 *     (its process group id is its pid), others stay in the agent's; must neither block nor throw
 * @param dryRun a plan's check ({@code fluke plan}): the check must not change the host, so an
 *     executor whose check changes something first (mise's {@code git} sync) reports what it would
 *     change instead of changing it
 */
public record ExecContext(
    ExecSettings settings,
    Consumer<String> outputLines,
    BooleanSupplier cancelled,
    Consumer<ProcessHandle> processStarted,
    boolean dryRun) {

  public ExecContext {
    processStarted = processStarted == null ? process -> {} : processStarted;
  }

  /** A context for a reconcile cycle (not a dry run). */
  public ExecContext(
      ExecSettings settings,
      Consumer<String> outputLines,
      BooleanSupplier cancelled,
      Consumer<ProcessHandle> processStarted) {
    this(settings, outputLines, cancelled, processStarted, false);
  }

  /** A context whose started processes are not reported to anyone. */
  public ExecContext(
      ExecSettings settings, Consumer<String> outputLines, BooleanSupplier cancelled) {
    this(settings, outputLines, cancelled, process -> {}, false);
  }

  /** This context for a plan's check: nothing may change on the host. */
  public ExecContext asDryRun() {
    return new ExecContext(settings, outputLines, cancelled, processStarted, true);
  }

  public static ExecContext of(ExecSettings settings) {
    return new ExecContext(settings, line -> {}, () -> false);
  }
}

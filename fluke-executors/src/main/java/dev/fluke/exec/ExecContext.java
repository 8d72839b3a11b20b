package dev.fluke.exec;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What an executor operation runs with: the agent's settings, a sink for output lines as they are
 * produced (apply output is streamed live to the server), and a cancellation flag polled while a
 * process runs (a cancelled process tree is killed and the step is an ERROR "cancelled").
 */
public record ExecContext(
    ExecSettings settings, Consumer<String> outputLines, BooleanSupplier cancelled) {
  public static ExecContext of(ExecSettings settings) {
    return new ExecContext(settings, line -> {}, () -> false);
  }
}

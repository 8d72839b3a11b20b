package dev.fluke.exec;

import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code shell} executor: runs the block's {@code check} and {@code command} strings with the
 * agent's default shell ({@code [default_shell, "-c", string]}) in {@code working_dir}, with {@code
 * env} added and, with {@code run_as}, as that user through sudo. Check: exit 0 = SATISFIED, other
 * = DRIFTED. Apply: exit 0 = APPLIED, other = FAILED. A shell that cannot start, a bad working
 * directory, sudo refusing, a timeout or a cancellation is an ERROR. The apply's shell leads its
 * own process group; the check's is started directly (see {@link
 * ProcessRunner.Command#ownGroup()}).
 */
public final class ShellExecutor implements Executor {
  public static final String TYPE = "shell";

  private final ProcessRunner runner;

  public ShellExecutor(ProcessRunner runner) {
    this.runner = runner;
  }

  public ShellExecutor() {
    this(new ProcessRunner());
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Schema schema() {
    return BuiltinSchemas.SHELL;
  }

  @Override
  public StepResult check(ExecutorSpec spec, ExecContext ctx) {
    return run(spec, "check", ctx, false).toStep(Phase.CHECK, Outcome.SATISFIED, Outcome.DRIFTED);
  }

  @Override
  public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
    return run(spec, "command", ctx, true).toStep(Phase.APPLY, Outcome.APPLIED, Outcome.FAILED);
  }

  /** The command a block's {@code check} or {@code command} attribute becomes. */
  ProcessRunner.Command command(ExecutorSpec spec, String attribute, ExecSettings settings) {
    String script = spec.string(attribute);
    if (script == null) {
      throw new IllegalArgumentException(spec.label() + " has no " + attribute);
    }
    String dir = spec.string("working_dir");
    return new ProcessRunner.Command(
        List.of(settings.defaultShell(), "-c", script),
        dir == null || dir.isBlank() ? null : Path.of(dir),
        spec.stringMap("env"),
        spec.string("run_as"));
  }

  private ProcessRunner.Result run(
      ExecutorSpec spec, String attribute, ExecContext ctx, boolean ownGroup) {
    String script = spec.string(attribute);
    if (script == null || script.isBlank()) {
      // the parser requires both; a spec built by hand without one must still not look like drift
      return new ProcessRunner.Result(
          ProcessRunner.Status.NOT_STARTED,
          -1,
          "",
          0,
          java.time.Duration.ZERO,
          spec.label() + " has no " + attribute + " command");
    }
    return runner.run(command(spec, attribute, ctx.settings()).withOwnGroup(ownGroup), ctx);
  }
}

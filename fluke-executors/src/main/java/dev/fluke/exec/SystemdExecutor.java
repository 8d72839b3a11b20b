package dev.fluke.exec;

import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code systemd} executor: keeps a unit's active state ({@code state = running | stopped}) and
 * enablement ({@code enabled = true | false}).
 *
 * <p>Check runs {@code systemctl is-active UNIT} and {@code systemctl is-enabled UNIT} (the path of
 * {@code systemctl} is {@link ExecSettings#systemctl()}) and reads the state word each prints:
 *
 * <ul>
 *   <li>running = {@code is-active} exits 0 ({@code active}, {@code reloading}); any other known
 *       word ({@code inactive}, {@code failed}, {@code activating}, …) is "not running".
 *   <li>enabled = {@code enabled}, {@code enabled-runtime}, {@code alias}; disabled = {@code
 *       disabled}, {@code masked}, {@code linked}, {@code not-found}, …; for {@code static}, {@code
 *       indirect}, {@code generated} and {@code transient} units enablement cannot be changed, so
 *       it counts as satisfied either way.
 *   <li>A word systemctl would never print (e.g. "Failed to connect to bus"), a systemctl that
 *       cannot be started, a timeout: ERROR.
 * </ul>
 *
 * <p>Apply looks again and runs only what differs, enablement first: {@code systemctl
 * enable|disable UNIT}, then {@code systemctl start|stop UNIT}. It stops at the first command that
 * fails (FAILED, with that command's exit code). Nothing differing is APPLIED with the message
 * "nothing to do". What an apply runs leads its own process group; what a check runs is started
 * directly (see {@link ProcessRunner.Command#ownGroup()}).
 */
public final class SystemdExecutor implements Executor {
  public static final String TYPE = "systemd";

  private static final Set<String> ACTIVE_WORDS =
      Set.of(
          "active",
          "reloading",
          "inactive",
          "failed",
          "activating",
          "deactivating",
          "maintenance",
          "refreshing",
          "unknown");
  private static final Set<String> ENABLED_WORDS = Set.of("enabled", "enabled-runtime", "alias");
  private static final Set<String> DISABLED_WORDS =
      Set.of("disabled", "masked", "masked-runtime", "linked", "linked-runtime", "not-found");
  private static final Set<String> FIXED_WORDS =
      Set.of("static", "indirect", "generated", "transient");

  private final ProcessRunner runner;

  public SystemdExecutor(ProcessRunner runner) {
    this.runner = runner;
  }

  public SystemdExecutor() {
    this(new ProcessRunner());
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Schema schema() {
    return BuiltinSchemas.SYSTEMD;
  }

  /** What the unit looks like now, or why that could not be found out. */
  private record Observed(
      boolean running,
      String activeWord,
      String enabledWord,
      StepResult error,
      String output,
      Duration took) {
    boolean enabledMatches(boolean wantEnabled) {
      if (FIXED_WORDS.contains(enabledWord)) {
        return true;
      }
      return wantEnabled == ENABLED_WORDS.contains(enabledWord);
    }
  }

  @Override
  public StepResult check(ExecutorSpec spec, ExecContext ctx) {
    long start = System.nanoTime();
    Observed now = observe(spec, Phase.CHECK, ctx);
    if (now.error() != null) {
      return now.error();
    }
    boolean wantRunning = wantRunning(spec);
    boolean wantEnabled = spec.bool("enabled", true);
    boolean ok = now.running() == wantRunning && now.enabledMatches(wantEnabled);
    String summary =
        String.format(
            "%s: %s (want %s), %s (want %s)",
            unit(spec),
            now.activeWord(),
            wantRunning ? "running" : "stopped",
            now.enabledWord(),
            wantEnabled ? "enabled" : "disabled");
    return new StepResult(
        Phase.CHECK,
        ok ? Outcome.SATISFIED : Outcome.DRIFTED,
        ok ? 0 : 1,
        now.output(),
        since(start),
        summary);
  }

  @Override
  public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
    long start = System.nanoTime();
    Observed now = observe(spec, Phase.APPLY, ctx);
    if (now.error() != null) {
      return now.error();
    }
    String unit = unit(spec);
    List<String> verbs = new ArrayList<>();
    boolean wantEnabled = spec.bool("enabled", true);
    boolean wantRunning = wantRunning(spec);
    if (!now.enabledMatches(wantEnabled)) {
      verbs.add(wantEnabled ? "enable" : "disable");
    }
    if (now.running() != wantRunning) {
      verbs.add(wantRunning ? "start" : "stop");
    }
    if (verbs.isEmpty()) {
      return new StepResult(
          Phase.APPLY, Outcome.APPLIED, 0, now.output(), since(start), "nothing to do");
    }
    StringBuilder output = new StringBuilder();
    for (String verb : verbs) {
      String display = "$ systemctl " + verb + " " + unit;
      ctx.outputLines().accept(display);
      output.append(display).append('\n');
      ProcessRunner.Result r =
          runner.run(ProcessRunner.Command.of(systemctl(ctx), verb, unit).withOwnGroup(true), ctx);
      output.append(r.output());
      if (!r.output().isEmpty() && !r.output().endsWith("\n")) {
        output.append('\n');
      }
      String out = tail(output.toString(), ctx.settings().outputTailBytes());
      if (!r.exited()) {
        return new StepResult(Phase.APPLY, Outcome.ERROR, -1, out, since(start), r.message());
      }
      if (r.exitCode() != 0) {
        return new StepResult(
            Phase.APPLY,
            Outcome.FAILED,
            r.exitCode(),
            out,
            since(start),
            "systemctl " + verb + " " + unit + " failed: exit " + r.exitCode());
      }
    }
    return new StepResult(
        Phase.APPLY,
        Outcome.APPLIED,
        0,
        tail(output.toString(), ctx.settings().outputTailBytes()),
        since(start),
        "ran systemctl " + String.join(", ", verbs));
  }

  private Observed observe(ExecutorSpec spec, Phase phase, ExecContext ctx) {
    long start = System.nanoTime();
    String unit = unit(spec);
    if (unit == null || unit.isBlank()) {
      return failed(StepResult.error(phase, spec.label() + " has no unit", since(start)));
    }
    // state queries are not streamed: they are bookkeeping, not the work
    boolean ownGroup = phase == Phase.APPLY;
    ExecContext quiet = new ExecContext(ctx.settings(), line -> {}, ctx.cancelled());
    ProcessRunner.Result active =
        runner.run(
            ProcessRunner.Command.of(systemctl(ctx), "is-active", unit).withOwnGroup(ownGroup),
            quiet);
    if (!active.exited()) {
      return failed(
          new StepResult(
              phase, Outcome.ERROR, -1, active.output(), since(start), active.message()));
    }
    String activeWord = firstWord(active.output());
    if (!ACTIVE_WORDS.contains(activeWord)) {
      return failed(
          new StepResult(
              phase,
              Outcome.ERROR,
              active.exitCode(),
              active.output(),
              since(start),
              "systemctl is-active "
                  + unit
                  + " gave no unit state (exit "
                  + active.exitCode()
                  + "): "
                  + firstLine(active.output())));
    }
    ProcessRunner.Result enabled =
        runner.run(
            ProcessRunner.Command.of(systemctl(ctx), "is-enabled", unit).withOwnGroup(ownGroup),
            quiet);
    if (!enabled.exited()) {
      return failed(
          new StepResult(
              phase, Outcome.ERROR, -1, enabled.output(), since(start), enabled.message()));
    }
    String enabledWord = firstWord(enabled.output());
    if (!ENABLED_WORDS.contains(enabledWord)
        && !DISABLED_WORDS.contains(enabledWord)
        && !FIXED_WORDS.contains(enabledWord)) {
      return failed(
          new StepResult(
              phase,
              Outcome.ERROR,
              enabled.exitCode(),
              enabled.output(),
              since(start),
              "systemctl is-enabled "
                  + unit
                  + " gave no unit state (exit "
                  + enabled.exitCode()
                  + "): "
                  + firstLine(enabled.output())));
    }
    String output = "is-active: " + activeWord + "\nis-enabled: " + enabledWord + "\n";
    return new Observed(
        active.exitCode() == 0, activeWord, enabledWord, null, output, since(start));
  }

  private static Observed failed(StepResult error) {
    return new Observed(false, null, null, error, error.output(), error.duration());
  }

  private static boolean wantRunning(ExecutorSpec spec) {
    String state = spec.string("state");
    return state == null || state.equals("running");
  }

  private static String unit(ExecutorSpec spec) {
    return spec.string("unit");
  }

  private static String systemctl(ExecContext ctx) {
    String s = ctx.settings().systemctl();
    return s == null || s.isBlank() ? "systemctl" : s;
  }

  private static String firstLine(String output) {
    String trimmed = output.strip();
    int nl = trimmed.indexOf('\n');
    return nl < 0 ? trimmed : trimmed.substring(0, nl);
  }

  private static String firstWord(String output) {
    return firstLine(output).strip();
  }

  static String tail(String s, int maxBytes) {
    byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return s;
    }
    OutputCapture c = new OutputCapture(maxBytes, line -> {});
    c.accept(bytes, 0, bytes.length);
    return c.tail();
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}

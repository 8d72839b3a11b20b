package dev.fluke.app.bench;

import dev.fluke.exec.BuiltinSchemas;
import dev.fluke.exec.ExecContext;
import dev.fluke.exec.Executor;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@code shell} executor for benchmarks: no process, an in-memory host instead. Each (executor,
 * check command) starts drifted on a fixed share of the simulated hosts (chosen by a hash of the
 * agent's name and the block, so a run is repeatable), an apply makes it satisfied, and the verify
 * then sees it so. A check command that starts with {@code true} starts satisfied and one that
 * starts with {@code false} drifted, on every host, whatever the share ({@code fluke bench server}
 * chooses drift that way). What it measures is Fluke itself: the wire, the actors and the
 * bookkeeping, not the host's commands.
 */
final class SimulatedShell implements Executor {
  private final String agent;
  private final int driftPerMille;
  private final Counters counters;
  private final Map<String, Boolean> satisfied = new ConcurrentHashMap<>();

  /** What all simulated hosts of one process did, for the report. */
  static final class Counters {
    final LongAdder checks = new LongAdder();
    final LongAdder applies = new LongAdder();
  }

  SimulatedShell(String agent, double drift, Counters counters) {
    this.agent = agent;
    this.driftPerMille = (int) Math.round(drift * 1000);
    this.counters = counters;
  }

  @Override
  public String type() {
    return "shell";
  }

  @Override
  public Schema schema() {
    return BuiltinSchemas.SHELL;
  }

  @Override
  public dev.fluke.exec.StepResult check(ExecutorSpec spec, ExecContext ctx) {
    counters.checks.increment();
    boolean ok =
        satisfied.computeIfAbsent(key(spec), k -> startsSatisfied(spec.string("check"), k));
    return new dev.fluke.exec.StepResult(
        Phase.CHECK,
        ok ? Outcome.SATISFIED : Outcome.DRIFTED,
        ok ? 0 : 1,
        "",
        Duration.ZERO,
        "exit " + (ok ? 0 : 1));
  }

  @Override
  public dev.fluke.exec.StepResult apply(ExecutorSpec spec, ExecContext ctx) {
    counters.applies.increment();
    ctx.outputLines().accept("simulated apply of " + spec.name() + " on " + agent);
    satisfied.put(key(spec), true);
    return new dev.fluke.exec.StepResult(
        Phase.APPLY, Outcome.APPLIED, 0, "", Duration.ZERO, "exit 0");
  }

  private boolean startsSatisfied(String check, String key) {
    if (check != null && check.startsWith("true")) {
      return true;
    }
    if (check != null && check.startsWith("false")) {
      return false;
    }
    return Math.floorMod((agent + "\n" + key).hashCode(), 1000) >= driftPerMille;
  }

  private static String key(ExecutorSpec spec) {
    return spec.name() + "\n" + spec.attributes().get("check");
  }
}

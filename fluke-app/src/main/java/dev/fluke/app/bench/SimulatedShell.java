package dev.fluke.app.bench;

import dev.fluke.exec.BuiltinSchemas;
import dev.fluke.exec.ExecContext;
import dev.fluke.exec.Executor;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code shell} executor for benchmarks: no process, an in-memory host instead. Each (executor,
 * check command) starts drifted on a fixed share of the simulated hosts (chosen by a hash of the
 * agent's name and the block, so a run is repeatable), an apply makes it satisfied, and the verify
 * then sees it so. A check command that starts with {@code true} starts satisfied and one that
 * starts with {@code false} drifted, on every host, whatever the share ({@code fluke bench server}
 * chooses drift that way). An apply whose command starts with {@code sleep N} takes N seconds (a
 * slow change, for {@code fluke bench --kill-node}'s rolling restart). What it measures is Fluke
 * itself: the wire, the actors and the bookkeeping, not the host's commands.
 */
final class SimulatedShell implements Executor {
  private final String agent;
  private final int driftPerMille;
  private final Counters counters;
  private final Map<String, Boolean> satisfied = new ConcurrentHashMap<>();

  private static final Pattern SLEEP = Pattern.compile("^sleep (\\d+(?:\\.\\d+)?)");

  /**
   * What all simulated hosts of one process did, for the report; with an apply log, every apply's
   * start and end as a line {@code start|end <TAB> agent <TAB> check command}, written when it
   * happens (the bench compares them with the results the servers recorded).
   */
  static final class Counters {
    final LongAdder checks = new LongAdder();
    final LongAdder applies = new LongAdder();
    final LongAdder appliesEnded = new LongAdder();
    private final PrintWriter applyLog;

    Counters() {
      this(null);
    }

    Counters(PrintWriter applyLog) {
      this.applyLog = applyLog;
    }

    void logApply(String edge, String agent, String check) {
      if (applyLog != null) {
        synchronized (applyLog) {
          applyLog.println(edge + "\t" + agent + "\t" + check);
          applyLog.flush();
        }
      }
    }
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
    String check = String.valueOf(spec.attributes().get("check"));
    counters.logApply("start", agent, check);
    ctx.outputLines().accept("simulated apply of " + spec.name() + " on " + agent);
    pause(spec.string("command"), ctx);
    satisfied.put(key(spec), true);
    counters.appliesEnded.increment();
    counters.logApply("end", agent, check);
    return new dev.fluke.exec.StepResult(
        Phase.APPLY, Outcome.APPLIED, 0, "", Duration.ZERO, "exit 0");
  }

  /**
   * Sleeps as long as a command {@code sleep N ...} says (in steps, so a cancelled apply ends
   * early, as a killed process would); other commands take no time.
   */
  private static void pause(String command, ExecContext ctx) {
    Matcher m = SLEEP.matcher(command == null ? "" : command);
    if (!m.find()) {
      return;
    }
    long end = System.nanoTime() + (long) (Double.parseDouble(m.group(1)) * 1e9);
    try {
      while (System.nanoTime() < end && !ctx.cancelled().getAsBoolean()) {
        Thread.sleep(Math.max(1, Math.min(100, (end - System.nanoTime()) / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

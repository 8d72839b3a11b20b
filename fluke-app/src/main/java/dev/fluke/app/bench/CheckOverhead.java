package dev.fluke.app.bench;

import dev.fluke.exec.ExecContext;
import dev.fluke.exec.ExecSettings;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.ShellExecutor;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a no-op check costs on the agent beyond starting its process: {@code checks} no-op {@code
 * shell} checks ({@code check = "true"}) through the real executor path ({@link ShellExecutor} and
 * its {@code ProcessRunner}, as the agent runs them) against {@code checks} bare spawns of the same
 * shell from the same JVM ({@code ProcessBuilder([shell, "-c", "true"]).start().waitFor()}). The
 * two alternate, round by round, so a machine whose load changes during the run weighs on both
 * alike; the figures are medians over the rounds.
 */
final class CheckOverhead {

  /**
   * Per-operation milliseconds: each the median over the rounds; {@code overhead} is the median of
   * the rounds' differences (check minus spawn).
   */
  record Figures(
      int checks,
      int rounds,
      String shell,
      double spawnMillis,
      double checkMillis,
      double overheadMillis,
      double minSpawnMillis,
      double minCheckMillis) {}

  private final ExecSettings settings;
  private final ShellExecutor shell;
  private final ExecutorSpec noop;

  CheckOverhead(ExecSettings settings) {
    this.settings = settings;
    this.shell = new ShellExecutor();
    this.noop =
        new ExecutorSpec(
            "shell", "noop", Map.of("check", "true", "command", "true"), OnFailure.ABORT, null);
  }

  /**
   * Runs {@code warmup} unmeasured rounds, then {@code rounds} measured ones.
   *
   * @throws IllegalStateException when a check is not SATISFIED or a bare spawn does not exit 0:
   *     then the figures would not measure a no-op
   */
  Figures measure(int checks, int rounds, int warmup) throws IOException, InterruptedException {
    double[] spawn = new double[rounds];
    double[] check = new double[rounds];
    double[] diff = new double[rounds];
    for (int r = -warmup; r < rounds; r++) {
      double s;
      double c;
      // alternate which goes first, so neither always runs on a warmer (or busier) machine
      if ((r & 1) == 0) {
        s = spawns(checks);
        c = checks(checks);
      } else {
        c = checks(checks);
        s = spawns(checks);
      }
      if (r >= 0) {
        spawn[r] = s;
        check[r] = c;
        diff[r] = c - s;
      }
    }
    return new Figures(
        checks,
        rounds,
        settings.defaultShell(),
        median(spawn),
        median(check),
        median(diff),
        Arrays.stream(spawn).min().orElse(0),
        Arrays.stream(check).min().orElse(0));
  }

  /** Milliseconds per bare spawn of {@code [shell, -c, true]}. */
  private double spawns(int n) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(List.of(settings.defaultShell(), "-c", "true"))
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().clear();
    pb.environment().putAll(settings.env());
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Process p = pb.start();
      int exit = p.waitFor();
      p.getInputStream().close();
      if (exit != 0) {
        throw new IllegalStateException(settings.defaultShell() + " -c true exited " + exit);
      }
    }
    return (System.nanoTime() - t0) / 1e6 / n;
  }

  /** Milliseconds per no-op check through the shell executor. */
  private double checks(int n) {
    ExecContext ctx = ExecContext.of(settings);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      StepResult r = shell.check(noop, ctx);
      if (r.outcome() != Outcome.SATISFIED) {
        throw new IllegalStateException("a no-op check was not satisfied: " + r);
      }
    }
    return (System.nanoTime() - t0) / 1e6 / n;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n == 0 ? 0 : (n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
  }
}

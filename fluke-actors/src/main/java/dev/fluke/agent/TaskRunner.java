package dev.fluke.agent;

import dev.fluke.exec.ExecContext;
import dev.fluke.exec.ExecSettings;
import dev.fluke.exec.Executor;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import dev.fluke.protocol.CycleIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * What the agent does for one request, as plain blocking code (SPEC §1, §4): it runs on one of the
 * agent's blocking threads ({@code fluke.agent.threads.blocking}; a check request's checks also on
 * the helper threads of its {@link CheckPool}), called by {@link Worker}, and is kept out of the
 * actor so that the sequencing rules can be read and tested on their own.
 *
 * <ul>
 *   <li>check: every block's check of every task, up to {@code check_concurrency} of them at the
 *       same time, reported in the manifest's order; nothing is ever applied.
 *   <li>apply: one block after the other, never concurrently, in declaration order: a fresh check
 *       (an earlier block may have fixed this one); SATISFIED → nothing to do; DRIFTED → apply,
 *       then verify (check again); a check ERROR, an apply that is not APPLIED or a verify that is
 *       not SATISFIED fails the block, and {@code on_failure} decides whether the rest of the task
 *       runs (continue) or is SKIPPED (abort).
 *   <li>cancelled: the steps that were running (several checks, or one step of an apply) end as
 *       their executors report them (normally ERROR "cancelled", their process trees killed, with
 *       the {@link Cancellation}'s reason added); every step not started yet is SKIPPED.
 * </ul>
 *
 * <p>An apply tells its {@link Progress} every block it finishes and every process it starts, so
 * that the {@link AgentJournal} knows what runs should the agent die.
 */
final class TaskRunner {

  /** Receives apply output lines as they are produced, on the executor's thread. */
  interface OutputSink {
    void line(String executor, String line);
  }

  /** What an apply reports as it goes, on the executor's thread; must not throw. */
  interface Progress {
    Progress NONE =
        new Progress() {
          @Override
          public void blockDone(ExecutorOutcome outcome) {}

          @Override
          public void processStarted(int block, Phase phase, ProcessHandle process) {}
        };

    /** A block finished with {@code outcome} (blocks finish in order). */
    void blockDone(ExecutorOutcome outcome);

    /** A step of block number {@code block} (from 0) started {@code process}. */
    void processStarted(int block, Phase phase, ProcessHandle process);
  }

  private final Map<String, Executor> executors;
  private final ExecSettings exec;
  private final CheckPool checks;

  TaskRunner(Map<String, Executor> executors, ExecSettings exec) {
    this.executors = Map.copyOf(executors);
    this.exec = exec;
    this.checks = new CheckPool(exec.checkConcurrency());
  }

  /** The executor types this agent can run, sorted (reported at registration). */
  List<String> types() {
    return List.copyOf(new TreeSet<>(executors.keySet()));
  }

  /**
   * Every block's check of every task; the checks of a plan ({@link CycleIds#isPlan}) run as a dry
   * run ({@link ExecContext#asDryRun()}): nothing may change on the host. Up to {@link
   * ExecSettings#checkConcurrency()} checks run at the same time (a check that changes the host
   * first, {@link Executor#checkChangesHost}, runs alone; see {@link CheckPool}); the report lists
   * them in the manifest's order. A cancellation stops every running check and skips those not
   * started.
   */
  CheckReport check(long cycleId, List<TaskSpec> tasks, BooleanSupplier cancelled) {
    boolean plan = CycleIds.isPlan(cycleId);
    ExecContext ctx = plan ? quiet(cancelled).asDryRun() : quiet(cancelled);
    List<CheckPool.Step<StepResult>> steps = new ArrayList<>();
    for (TaskSpec task : tasks) {
      for (ExecutorSpec block : task.executors()) {
        Executor executor = executors.get(block.type());
        steps.add(
            new CheckPool.Step<>(
                () ->
                    cancelled.getAsBoolean()
                        ? StepResult.skipped(Phase.CHECK, "cancelled")
                        : step(block, Phase.CHECK, ctx),
                executor != null && executor.checkChangesHost(block, plan)));
      }
    }
    Iterator<StepResult> results = checks.run(steps).iterator();
    List<TaskOutcome> outcomes = new ArrayList<>();
    for (TaskSpec task : tasks) {
      List<ExecutorOutcome> blocks = new ArrayList<>();
      for (ExecutorSpec block : task.executors()) {
        blocks.add(new ExecutorOutcome(block.name(), block.type(), results.next(), null, null));
      }
      outcomes.add(new TaskOutcome(task.name(), blocks));
    }
    return new CheckReport(cycleId, outcomes);
  }

  TaskOutcome apply(TaskSpec task, Cancellation cancelled, OutputSink output, Progress progress) {
    List<ExecutorOutcome> blocks = new ArrayList<>();
    String skipReason = null;
    List<ExecutorSpec> specs = task.executors();
    for (int i = 0; i < specs.size(); i++) {
      ExecutorSpec block = specs.get(i);
      if (skipReason == null && cancelled.getAsBoolean()) {
        skipReason = cancelled.skipMessage();
      }
      ExecutorOutcome done;
      if (skipReason != null) {
        done =
            new ExecutorOutcome(
                block.name(),
                block.type(),
                StepResult.skipped(Phase.CHECK, skipReason),
                null,
                null);
      } else {
        done = applyBlock(i, block, cancelled, output, progress);
        if (failed(done)) {
          if (cancelled.getAsBoolean()) {
            skipReason = cancelled.skipMessage();
          } else if (block.onFailure() == OnFailure.ABORT) {
            skipReason = "not run: " + block.label() + " failed and has on_failure = \"abort\"";
          }
        }
      }
      blocks.add(done);
      progress.blockDone(done);
    }
    return new TaskOutcome(task.name(), blocks);
  }

  /** Whether a block of an apply failed (what {@code on_failure} reacts to). */
  static boolean failed(ExecutorOutcome o) {
    if (o.check().outcome() == Outcome.SATISFIED && o.apply() == null) {
      return false;
    }
    return o.verify() == null || o.verify().outcome() != Outcome.SATISFIED;
  }

  /** Every block of every task as ERROR: the answer when a request cannot be run at all. */
  static List<TaskOutcome> errorOutcomes(List<TaskSpec> tasks, String message) {
    List<TaskOutcome> out = new ArrayList<>();
    for (TaskSpec task : tasks) {
      List<ExecutorOutcome> blocks = new ArrayList<>();
      for (ExecutorSpec block : task.executors()) {
        blocks.add(
            new ExecutorOutcome(
                block.name(),
                block.type(),
                StepResult.error(Phase.CHECK, message, Duration.ZERO),
                null,
                null));
      }
      out.add(new TaskOutcome(task.name(), blocks));
    }
    return out;
  }

  private ExecutorOutcome applyBlock(
      int index, ExecutorSpec block, Cancellation cancelled, OutputSink output, Progress progress) {
    StepResult check =
        stopped(
            step(block, Phase.CHECK, quiet(cancelled, index, Phase.CHECK, progress)), cancelled);
    if (check.outcome() != Outcome.DRIFTED) {
      // SATISFIED: nothing to do. ERROR: an execution error is never drift and never leads to an
      // apply.
      return new ExecutorOutcome(block.name(), block.type(), check, null, null);
    }
    if (cancelled.getAsBoolean()) {
      return new ExecutorOutcome(
          block.name(),
          block.type(),
          check,
          StepResult.skipped(Phase.APPLY, cancelled.skipMessage()),
          null);
    }
    ExecContext streaming =
        new ExecContext(
            exec,
            line -> output.line(block.name(), line),
            cancelled,
            p -> progress.processStarted(index, Phase.APPLY, p));
    StepResult apply = stopped(step(block, Phase.APPLY, streaming), cancelled);
    if (apply.outcome() != Outcome.APPLIED) {
      return new ExecutorOutcome(block.name(), block.type(), check, apply, null);
    }
    StepResult verify =
        cancelled.getAsBoolean()
            ? StepResult.skipped(Phase.VERIFY, cancelled.skipMessage())
            : stopped(
                step(block, Phase.VERIFY, quiet(cancelled, index, Phase.VERIFY, progress)),
                cancelled);
    return new ExecutorOutcome(block.name(), block.type(), check, apply, verify);
  }

  private ExecContext quiet(BooleanSupplier cancelled) {
    return new ExecContext(exec, line -> {}, cancelled);
  }

  private ExecContext quiet(Cancellation cancelled, int index, Phase phase, Progress progress) {
    return new ExecContext(
        exec, line -> {}, cancelled, p -> progress.processStarted(index, phase, p));
  }

  /** A step the cancellation ended says why it was cancelled, when there is a reason. */
  private static StepResult stopped(StepResult r, Cancellation cancelled) {
    String why = cancelled.reason();
    if (why == null || r.outcome() != Outcome.ERROR || !cancelled.getAsBoolean()) {
      return r;
    }
    return new StepResult(
        r.phase(), r.outcome(), r.exitCode(), r.output(), r.duration(), r.message() + "; " + why);
  }

  /**
   * Runs one operation and makes sure what comes back is a result of that phase with a legal
   * outcome.
   */
  private StepResult step(ExecutorSpec block, Phase phase, ExecContext ctx) {
    Executor executor = executors.get(block.type());
    if (executor == null) {
      return StepResult.error(
          phase,
          "this agent has no '"
              + block.type()
              + "' executor (it has "
              + String.join(", ", types())
              + ")",
          Duration.ZERO);
    }
    long start = System.nanoTime();
    StepResult r;
    try {
      r = phase == Phase.APPLY ? executor.apply(block, ctx) : executor.check(block, ctx);
    } catch (RuntimeException e) {
      // Executors report host failures as results; an exception is a bug, but must not take the
      // agent down.
      return StepResult.error(phase, block.label() + " failed unexpectedly: " + e, elapsed(start));
    }
    if (r == null) {
      return StepResult.error(phase, block.label() + " returned no result", elapsed(start));
    }
    Set<Outcome> legal =
        phase == Phase.APPLY
            ? Set.of(Outcome.APPLIED, Outcome.FAILED, Outcome.ERROR)
            : Set.of(Outcome.SATISFIED, Outcome.DRIFTED, Outcome.ERROR);
    if (!legal.contains(r.outcome())) {
      return new StepResult(
          phase,
          Outcome.ERROR,
          r.exitCode(),
          r.output(),
          r.duration(),
          block.label() + " returned " + r.outcome().wireName() + " for a " + phase.wireName());
    }
    return r.phase() == phase
        ? r
        : new StepResult(phase, r.outcome(), r.exitCode(), r.output(), r.duration(), r.message());
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}

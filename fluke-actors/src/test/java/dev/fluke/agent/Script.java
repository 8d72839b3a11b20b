package dev.fluke.agent;

import dev.fluke.exec.ExecContext;
import dev.fluke.exec.Executor;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fake executors whose behaviour a test scripts through block attributes, and a journal of what
 * ran.
 *
 * <ul>
 *   <li>{@code check}: comma-separated outcomes of successive checks of the block (the last
 *       repeats), e.g. {@code "drifted,satisfied"}; default satisfied.
 *   <li>{@code apply}: applied | failed | error; default applied.
 *   <li>{@code lines}: how many output lines the apply prints.
 *   <li>{@code gate} / {@code check_gate}: the apply / check waits at this {@link Gate} until the
 *       test opens it or the work is cancelled (then it returns ERROR "cancelled", as real
 *       executors do).
 *   <li>{@code process}: every operation reports a started process to the context's hook (this
 *       JVM's own handle: nothing is started), as the process runner does.
 * </ul>
 *
 * The journal holds {@code type:name:check}, {@code type:name:apply} and {@code type:name:applied}.
 */
public final class Script {

  /** A point where an operation waits until the test opens it. */
  public static final class Gate {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch open = new CountDownLatch(1);

    public void awaitEntered() throws InterruptedException {
      if (!entered.await(20, TimeUnit.SECONDS)) {
        throw new AssertionError("nothing reached the gate");
      }
    }

    public void open() {
      open.countDown();
    }

    /** False when cancelled while waiting. */
    boolean pass(ExecContext ctx) {
      entered.countDown();
      try {
        while (!open.await(5, TimeUnit.MILLISECONDS)) {
          if (ctx.cancelled().getAsBoolean()) {
            return false;
          }
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  private final ConcurrentLinkedQueue<String> journal = new ConcurrentLinkedQueue<>();
  private final Map<String, Gate> gates = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();

  public Gate gate(String name) {
    return gates.computeIfAbsent(name, n -> new Gate());
  }

  public List<String> journal() {
    return List.copyOf(journal);
  }

  /** The most operations that ever ran at the same time. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** One scripted executor per type. */
  public Map<String, Executor> executors(String... types) {
    Map<String, Executor> out = new LinkedHashMap<>();
    for (String t : types) {
      out.put(t, new Scripted(t));
    }
    return out;
  }

  private final class Scripted implements Executor {
    private final String type;

    Scripted(String type) {
      this.type = type;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public Schema schema() {
      return Schema.of();
    }

    @Override
    public StepResult check(ExecutorSpec spec, ExecContext ctx) {
      String key = spec.type() + ":" + spec.name();
      begin();
      try {
        journal.add(key + ":check");
        reportProcess(spec, ctx);
        String gate = spec.string("check_gate");
        if (gate != null && !gate(gate).pass(ctx)) {
          return StepResult.error(Phase.CHECK, "cancelled", Duration.ofMillis(1));
        }
        List<String> seq =
            Arrays.asList(
                (spec.string("check") == null ? "satisfied" : spec.string("check")).split(","));
        int n = checks.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
        Outcome outcome =
            Outcome.valueOf(seq.get(Math.min(n, seq.size() - 1)).trim().toUpperCase(Locale.ROOT));
        int exit = outcome == Outcome.SATISFIED ? 0 : outcome == Outcome.DRIFTED ? 1 : -1;
        return new StepResult(
            Phase.CHECK,
            outcome,
            exit,
            "checked " + key,
            Duration.ofMillis(2),
            outcome == Outcome.ERROR ? "scripted error" : "");
      } finally {
        end();
      }
    }

    @Override
    public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
      String key = spec.type() + ":" + spec.name();
      begin();
      try {
        journal.add(key + ":apply");
        reportProcess(spec, ctx);
        int lines = spec.string("lines") == null ? 0 : Integer.parseInt(spec.string("lines"));
        for (int i = 1; i <= lines; i++) {
          ctx.outputLines().accept(key + " line " + i);
        }
        String gate = spec.string("gate");
        if (gate != null && !gate(gate).pass(ctx)) {
          journal.add(key + ":cancelled");
          return StepResult.error(Phase.APPLY, "cancelled", Duration.ofMillis(1));
        }
        Outcome outcome =
            Outcome.valueOf(
                (spec.string("apply") == null ? "applied" : spec.string("apply"))
                    .toUpperCase(Locale.ROOT));
        journal.add(key + ":applied");
        return new StepResult(
            Phase.APPLY,
            outcome,
            outcome == Outcome.APPLIED ? 0 : 2,
            "applied " + key,
            Duration.ofMillis(3),
            "");
      } finally {
        end();
      }
    }

    private void reportProcess(ExecutorSpec spec, ExecContext ctx) {
      if (spec.string("process") != null) {
        ctx.processStarted().accept(ProcessHandle.current());
      }
    }

    private void begin() {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    private void end() {
      inFlight.decrementAndGet();
    }
  }
}

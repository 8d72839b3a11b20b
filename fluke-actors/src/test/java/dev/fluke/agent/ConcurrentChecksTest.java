package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.exec.ExecContext;
import dev.fluke.exec.ExecSettings;
import dev.fluke.exec.Executor;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.schema.Schema;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The checks of one request run up to {@code check_concurrency} at a time ({@link CheckPool}
 * through {@link TaskRunner#check}) and are reported in the manifest's order; a check that changes
 * the host first runs alone; a cancellation stops every running check.
 */
class ConcurrentChecksTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  private final ExecSettings exec =
      AgentSettings.create(ConfigFactory.load()).withName("test").exec();
  private final Script script = new Script();
  private final Probe probe = new Probe();

  private TaskRunner runner(int concurrency) {
    Map<String, Executor> executors = new HashMap<>(script.executors("shell"));
    executors.put("probe", probe);
    return new TaskRunner(executors, exec.withCheckConcurrency(concurrency));
  }

  @Test
  void checksEndingOutOfOrderAreReportedInTheManifestsOrder() {
    TaskRunner runner = runner(2);

    CheckReport report =
        runner.check(
            1,
            List.of(
                task("first", block("probe", "slow", "after", "quick", "outcome", "drifted")),
                task("second", block("probe", "quick"))),
            () -> false);

    assertEquals(List.of("start slow", "start quick", "end quick", "end slow"), probe.events());
    assertEquals("first", report.tasks().get(0).task());
    ExecutorOutcome slow = report.tasks().get(0).executors().get(0);
    assertEquals("slow", slow.executor());
    assertEquals(Outcome.DRIFTED, slow.check().outcome());
    assertEquals("probed slow", slow.check().output());
    ExecutorOutcome quick = report.tasks().get(1).executors().get(0);
    assertEquals("quick", quick.executor());
    assertEquals(Outcome.SATISFIED, quick.check().outcome());
    assertEquals("probed quick", quick.check().output());
  }

  @Test
  void noMoreChecksRunAtOnceThanTheConcurrencyAllows() {
    TaskRunner runner = runner(2);

    CheckReport report =
        runner.check(
            1,
            List.of(
                task(
                    "t",
                    block("probe", "a", "company", "3"),
                    block("probe", "b", "company", "3"),
                    block("probe", "c", "company", "3"),
                    block("probe", "d", "company", "3"))),
            () -> false);

    assertEquals(2, probe.maxInFlight());
    assertEquals(
        List.of("a", "b", "c", "d"),
        report.tasks().get(0).executors().stream().map(ExecutorOutcome::executor).toList());
  }

  @Test
  void withACheckConcurrencyOfOneTheChecksRunOneAtATimeInTheManifestsOrder() {
    TaskRunner runner = runner(1);

    runner.check(
        1,
        List.of(
            task("t1", block("probe", "a", "company", "2"), block("probe", "b", "company", "2")),
            task("t2", block("probe", "c", "company", "2"))),
        () -> false);

    assertEquals(1, probe.maxInFlight());
    assertEquals(
        List.of("start a", "end a", "start b", "end b", "start c", "end c"), probe.events());
  }

  @Test
  void aCheckThatChangesTheHostRunsAloneBetweenTheChecksBeforeAndAfterIt() {
    TaskRunner runner = runner(4);

    runner.check(
        1,
        List.of(
            task(
                "t",
                block("probe", "before", "company", "2"),
                block("probe", "sync", "company", "2", "alone", "yes"),
                block("probe", "after1", "company", "2"),
                block("probe", "after2", "company", "2"))),
        () -> false);

    List<String> events = probe.events();
    assertEquals(
        List.of("start before", "end before", "start sync", "end sync"), events.subList(0, 4));
    assertEquals(2, probe.maxInFlight(), "the checks after it run together: " + events);
  }

  @Test
  void theChecksOfAPlanMayRunTogetherEvenWhereACycleWouldRunOneAlone() {
    TaskRunner runner = runner(2);

    runner.check(
        -1,
        List.of(
            task(
                "t",
                block("probe", "a", "company", "2", "alone", "yes"),
                block("probe", "b", "company", "2", "alone", "yes"))),
        () -> false);

    assertEquals(2, probe.maxInFlight());
  }

  @Test
  void aCancellationStopsEveryRunningCheckAndSkipsThoseNotStarted() throws Exception {
    TaskRunner runner = runner(2);
    Cancellation cancelled = new Cancellation();

    CompletableFuture<CheckReport> running =
        CompletableFuture.supplyAsync(
            () ->
                runner.check(
                    1,
                    List.of(
                        task("t1", block("shell", "a", "check_gate", "ga")),
                        task("t2", block("shell", "b", "check_gate", "gb"), block("shell", "c"))),
                    cancelled));
    // Both gates are reached only if the two checks run at the same time.
    script.gate("ga").awaitEntered();
    script.gate("gb").awaitEntered();
    cancelled.cancel(null);
    CheckReport report = running.get(LONG.toSeconds(), TimeUnit.SECONDS);

    StepResult a = report.tasks().get(0).executors().get(0).check();
    StepResult b = report.tasks().get(1).executors().get(0).check();
    StepResult c = report.tasks().get(1).executors().get(1).check();
    assertEquals(Outcome.ERROR, a.outcome());
    assertEquals("cancelled", a.message());
    assertEquals(Outcome.ERROR, b.outcome());
    assertEquals("cancelled", b.message());
    assertEquals(Outcome.SKIPPED, c.outcome());
    assertEquals("cancelled", c.message());
    assertEquals(
        List.of("shell:a:check", "shell:b:check"), script.journal().stream().sorted().toList());
  }

  @Test
  void requestAfterRequestReuseTheSameFewHelperThreads() {
    CheckPool pool = new CheckPool(3);
    List<CheckPool.Step<Integer>> steps =
        List.of(
            new CheckPool.Step<>(() -> 1, false),
            new CheckPool.Step<>(() -> 2, false),
            new CheckPool.Step<>(() -> 3, false),
            new CheckPool.Step<>(() -> 4, false),
            new CheckPool.Step<>(() -> 5, false));

    for (int i = 0; i < 50; i++) {
      assertEquals(List.of(1, 2, 3, 4, 5), pool.run(steps));
    }

    assertTrue(pool.helperThreads() <= 2, "helper threads: " + pool.helperThreads());
    assertEquals(0, new CheckPool(1).helperThreads(), "one at a time needs no helper");
  }

  @Test
  void aCheckThatThrowsFailsTheRequestOnlyOnceTheOthersHaveEnded() {
    CheckPool pool = new CheckPool(2);
    AtomicInteger started = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();

    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                pool.run(
                    List.of(
                        new CheckPool.Step<>(
                            () -> {
                              throw new IllegalStateException("boom");
                            },
                            false),
                        new CheckPool.Step<>(
                            () -> {
                              started.incrementAndGet();
                              Thread.onSpinWait();
                              return ended.incrementAndGet();
                            },
                            false))));

    assertEquals("boom", e.getMessage());
    assertEquals(started.get(), ended.get(), "no check is left running");
  }

  /**
   * Records when checks start and end. Attributes: {@code after}: wait until the block of that name
   * has ended; {@code company}: wait up to {@link #COMPANY_WAIT} until that many checks (this one
   * included) run at the same time, and go on either way; {@code alone}: the check changes the host
   * first ({@link Executor#checkChangesHost}, except in a plan); {@code outcome}: drifted or
   * satisfied.
   */
  private static final class Probe implements Executor {
    static final Duration COMPANY_WAIT = Duration.ofSeconds(2);
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    List<String> events() {
      return List.copyOf(events);
    }

    int maxInFlight() {
      return maxInFlight.get();
    }

    @Override
    public String type() {
      return "probe";
    }

    @Override
    public Schema schema() {
      return Schema.of();
    }

    @Override
    public boolean checkChangesHost(ExecutorSpec spec, boolean dryRun) {
      return !dryRun && spec.string("alone") != null;
    }

    @Override
    public StepResult check(ExecutorSpec spec, ExecContext ctx) {
      events.add("start " + spec.name());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        String after = spec.string("after");
        if (after != null) {
          Awaitility.await("check " + after + " ended")
              .atMost(LONG)
              .pollInterval(Duration.ofMillis(2))
              .until(() -> events.contains("end " + after));
        }
        String company = spec.string("company");
        if (company != null) {
          try {
            Awaitility.await()
                .atMost(COMPANY_WAIT)
                .pollInterval(Duration.ofMillis(2))
                .until(() -> inFlight.get() >= Integer.parseInt(company));
          } catch (org.awaitility.core.ConditionTimeoutException alone) {
            // no other check ran meanwhile
          }
        }
        boolean drifted = "drifted".equals(spec.string("outcome"));
        return new StepResult(
            Phase.CHECK,
            drifted ? Outcome.DRIFTED : Outcome.SATISFIED,
            drifted ? 1 : 0,
            "probed " + spec.name(),
            Duration.ofMillis(1),
            "");
      } finally {
        inFlight.decrementAndGet();
        events.add("end " + spec.name());
      }
    }

    @Override
    public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
      throw new AssertionError("checks only");
    }
  }
}

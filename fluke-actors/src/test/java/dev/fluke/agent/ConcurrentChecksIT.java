package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.exec.ExecSettings;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.ShellExecutor;
import dev.fluke.exec.StepResult;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent checks with real processes: a cancellation kills the tree of every running check. */
class ConcurrentChecksIT {
  private static final Duration LONG = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final ExecSettings exec =
      AgentSettings.create(ConfigFactory.load()).withName("test").exec().withCheckConcurrency(2);

  /** A check that leaves a background {@code sleep} (its child) and says its pid in a file. */
  private String sleeper(String name) {
    return "sleep 600 & echo $! > " + dir.resolve(name + ".pid") + "; wait";
  }

  private long pid(String name) throws Exception {
    return Long.parseLong(Files.readString(dir.resolve(name + ".pid")).trim());
  }

  @Test
  void aCancellationKillsTheProcessTreesOfEveryRunningCheckAndSkipsTheRest() throws Exception {
    TaskRunner runner = new TaskRunner(Map.of("shell", new ShellExecutor()), exec);
    Cancellation cancelled = new Cancellation();
    Path ran = dir.resolve("c.ran");

    CompletableFuture<CheckReport> running =
        CompletableFuture.supplyAsync(
            () ->
                runner.check(
                    1,
                    List.of(
                        task("t1", block("shell", "a", "check", sleeper("a"))),
                        task(
                            "t2",
                            block("shell", "b", "check", sleeper("b")),
                            block("shell", "c", "check", "touch " + ran))),
                    cancelled));
    Awaitility.await("both checks run")
        .atMost(LONG)
        .until(
            () ->
                Files.exists(dir.resolve("a.pid"))
                    && Files.exists(dir.resolve("b.pid"))
                    && !Files.readString(dir.resolve("a.pid")).isBlank()
                    && !Files.readString(dir.resolve("b.pid")).isBlank());
    long a = pid("a");
    long b = pid("b");
    assertTrue(ProcessHandle.of(a).map(ProcessHandle::isAlive).orElse(false));
    assertTrue(ProcessHandle.of(b).map(ProcessHandle::isAlive).orElse(false));

    cancelled.cancel(null);
    CheckReport report = running.get(LONG.toSeconds(), TimeUnit.SECONDS);

    for (StepResult r :
        List.of(
            report.tasks().get(0).executors().get(0).check(),
            report.tasks().get(1).executors().get(0).check())) {
      assertEquals(Outcome.ERROR, r.outcome());
      assertTrue(r.message().startsWith("cancelled"), r.message());
    }
    StepResult c = report.tasks().get(1).executors().get(1).check();
    assertEquals(Outcome.SKIPPED, c.outcome());
    assertFalse(Files.exists(ran), "a check not started when the cancel came never runs");
    Awaitility.await("the sleeps are killed")
        .atMost(LONG)
        .until(
            () ->
                !ProcessHandle.of(a).map(ProcessHandle::isAlive).orElse(false)
                    && !ProcessHandle.of(b).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void manyNoOpChecksAreReportedInTheManifestsOrderWithTheirOwnOutput() {
    TaskRunner runner =
        new TaskRunner(Map.of("shell", new ShellExecutor()), exec.withCheckConcurrency(4));
    int n = 40;
    ExecutorSpec[] blocks = new ExecutorSpec[n];
    for (int i = 0; i < n; i++) {
      blocks[i] = block("shell", "b" + i, "check", "echo out-" + i + "; exit " + (i % 2));
    }

    CheckReport report = runner.check(1, List.of(task("t", blocks)), () -> false);

    for (int i = 0; i < n; i++) {
      ExecutorOutcome o = report.tasks().get(0).executors().get(i);
      assertEquals("b" + i, o.executor());
      assertEquals(i % 2 == 0 ? Outcome.SATISFIED : Outcome.DRIFTED, o.check().outcome());
      assertTrue(o.check().output().contains("out-" + i), o.check().output());
    }
  }
}

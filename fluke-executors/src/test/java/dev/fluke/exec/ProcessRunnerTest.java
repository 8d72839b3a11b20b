package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.FakeSudo;
import dev.fluke.testing.TestProcesses;
import dev.fluke.testing.TestTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProcessRunnerTest {
  @TempDir Path tmp;
  private final ProcessRunner runner = new ProcessRunner(Duration.ofMillis(500));
  private ExecSettings settings;
  private final List<Long> strays = new ArrayList<>();

  @BeforeEach
  void setUp() {
    settings = TestTools.settingsWithoutMise(tmp);
  }

  @AfterEach
  void killStrays() {
    strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private ProcessRunner.Result bash(String script, ExecContext ctx) {
    return runner.run(ProcessRunner.Command.of("bash", "-c", script), ctx);
  }

  @Test
  void streamsEachLineAndKeepsTheExitCode() {
    List<String> lines = new CopyOnWriteArrayList<>();
    ProcessRunner.Result r =
        bash(
            "echo one; echo two >&2; printf 'three'; exit 3",
            new ExecContext(settings, lines::add, () -> false));
    assertEquals(ProcessRunner.Status.EXITED, r.status());
    assertEquals(3, r.exitCode());
    assertEquals(List.of("one", "two", "three"), lines);
    assertEquals("one\ntwo\nthree", r.output());
    StepResult step = r.toStep(Phase.CHECK, Outcome.SATISFIED, Outcome.DRIFTED);
    assertEquals(Outcome.DRIFTED, step.outcome());
    assertEquals(3, step.exitCode());
  }

  @Test
  void runsInTheWorkingDirWithSettingsAndCommandEnvironment() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("work dir"));
    Map<String, String> env = new HashMap<>(settings.env());
    env.put("FROM_AGENT", "agent-value");
    ExecSettings s = settings.withEnv(env);
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("bash", "-c", "pwd; echo $FROM_AGENT $FROM_BLOCK")
                .in(dir)
                .withEnv(Map.of("FROM_BLOCK", "block-value")),
            ExecContext.of(s));
    assertTrue(r.succeeded(), r.toString());
    assertEquals(dir.toRealPath() + "\nagent-value block-value\n", r.output());
  }

  @Test
  void looksUpTheExecutableInTheCommandsOwnPath() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path tool = bin.resolve("fluke-test-tool");
    Files.writeString(tool, "#!/bin/sh\necho tool ran\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = new HashMap<>(settings.env());
    env.put("PATH", bin + ":" + env.get("PATH"));
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("fluke-test-tool"), ExecContext.of(settings.withEnv(env)));
    assertTrue(r.succeeded(), r.toString());
    assertEquals("tool ran\n", r.output());
  }

  @Test
  void missingBinaryIsNotStartedNeverANonZeroExit() {
    ProcessRunner.Result r =
        runner.run(ProcessRunner.Command.of("no-such-binary-fluke", "x"), ExecContext.of(settings));
    assertEquals(ProcessRunner.Status.NOT_STARTED, r.status());
    assertTrue(r.message().contains("command not found: no-such-binary-fluke"), r.message());
    assertEquals(
        Outcome.ERROR, r.toStep(Phase.CHECK, Outcome.SATISFIED, Outcome.DRIFTED).outcome());

    ProcessRunner.Result abs =
        runner.run(ProcessRunner.Command.of("/nonexistent/bin/tool"), ExecContext.of(settings));
    assertEquals(ProcessRunner.Status.NOT_STARTED, abs.status());
  }

  @Test
  void missingWorkingDirIsNotStarted() {
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("true").in(tmp.resolve("absent")), ExecContext.of(settings));
    assertEquals(ProcessRunner.Status.NOT_STARTED, r.status());
    assertTrue(r.message().contains("does not exist"), r.message());
  }

  @Test
  void standardInputIsEmptySoNothingWaitsForAPrompt() {
    ProcessRunner.Result r = bash("read answer; echo read=$?", ExecContext.of(settings));
    assertEquals("read=1\n", r.output());
  }

  @ParameterizedTest(name = "own process group: {0}")
  @ValueSource(booleans = {true, false})
  void timeoutKillsTheWholeTreeIncludingDaemonisedGrandchildren(boolean ownGroup) throws Exception {
    ExecSettings s = settings.withTimeout(Duration.ofSeconds(1));
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of(
                    "bash",
                    "-c",
                    "sleep 300 & echo child=$!; (sleep 301 & echo orphan=$!); echo ready; wait")
                .withOwnGroup(ownGroup),
            ExecContext.of(s));
    assertEquals(ProcessRunner.Status.TIMED_OUT, r.status(), r.toString());
    assertEquals(-1, r.exitCode());
    assertTrue(r.message().startsWith("timed out after 1s"), r.message());
    long child = pid(r.output(), "child");
    long orphan = pid(r.output(), "orphan");
    strays.add(child);
    strays.add(orphan);
    assertTrue(TestProcesses.awaitGone(child, 10_000), "child " + child + " still runs");
    assertTrue(
        TestProcesses.awaitGone(orphan, 10_000), "orphaned grandchild " + orphan + " still runs");
    StepResult step = r.toStep(Phase.APPLY, Outcome.APPLIED, Outcome.FAILED);
    assertEquals(Outcome.ERROR, step.outcome());
    assertTrue(step.output().contains("ready"));
  }

  @Test
  void aZeroTimeoutMeansNoLimit() {
    ProcessRunner.Result r =
        bash("sleep 0.3; echo ok", ExecContext.of(settings.withTimeout(Duration.ZERO)));
    assertTrue(r.succeeded(), r.toString());
    assertEquals("ok\n", r.output());
  }

  @Test
  void aGrandchildThatLeftTheProcessGroupIsKilledToo() throws Exception {
    // setsid puts the grandchild in a session and process group of its own: only the run's id in
    // its environment still ties it to the run
    ProcessRunner.Result r =
        bash(
            "(setsid sleep 302 & echo escaped=$!); echo ready; sleep 300",
            ExecContext.of(settings.withTimeout(Duration.ofSeconds(1))));
    assertEquals(ProcessRunner.Status.TIMED_OUT, r.status(), r.toString());
    long escaped = pid(r.output(), "escaped");
    strays.add(escaped);
    assertTrue(
        TestProcesses.awaitGone(escaped, 10_000),
        "grandchild " + escaped + " in its own session still runs");
  }

  @Test
  void killingATreeLeavesTheAgentsOwnProcessGroupAlone() throws Exception {
    // a process of the agent's (here: the test JVM's) own process group, not started by the run
    Process sibling = new ProcessBuilder("sleep", "60").start();
    strays.add(sibling.pid());
    long jvmGroup = pgid(ProcessHandle.current().pid());
    assertEquals(jvmGroup, pgid(sibling.pid()));
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of(
                    "bash",
                    "-c",
                    "sleep 300 & echo child=$! group=$(cut -d' ' -f5 /proc/$!/stat); wait")
                .withOwnGroup(false),
            ExecContext.of(settings.withTimeout(Duration.ofMillis(500))));
    assertEquals(ProcessRunner.Status.TIMED_OUT, r.status(), r.toString());
    long child = pid(r.output(), "child");
    strays.add(child);
    assertEquals(jvmGroup, pid(r.output(), "group"), "the child shares the agent's group");
    assertTrue(TestProcesses.awaitGone(child, 10_000), "child " + child + " still runs");
    assertTrue(sibling.isAlive(), "a process of the agent's group was killed with the run");
  }

  @Test
  void onlyCommandsThatAskForItLeadTheirOwnProcessGroup() {
    String script = "echo pid=$$ pgid=$(cut -d' ' -f5 /proc/$$/stat)";
    ProcessRunner.Result own =
        runner.run(ProcessRunner.Command.of("bash", "-c", script), ExecContext.of(settings));
    assertEquals(pid(own.output(), "pid"), pid(own.output(), "pgid"), own.output());

    ProcessRunner.Result shared =
        runner.run(
            ProcessRunner.Command.of("bash", "-c", script).withOwnGroup(false),
            ExecContext.of(settings));
    assertEquals(
        pgid(ProcessHandle.current().pid()), pid(shared.output(), "pgid"), shared.output());
  }

  @Test
  void everyRunHasItsOwnIdWhichItsDescendantsInherit() {
    String script = "echo self=$FLUKE_RUN_ID; bash -c 'echo child=$FLUKE_RUN_ID'";
    Map<String, String> env = new HashMap<>(settings.env());
    env.put(ProcessRunner.RUN_ID_VARIABLE, "inherited-from-the-agent");
    ExecContext ctx = ExecContext.of(settings.withEnv(env));
    ProcessRunner.Result first = bash(script, ctx);
    ProcessRunner.Result second =
        runner.run(
            ProcessRunner.Command.of("bash", "-c", script)
                .withEnv(Map.of(ProcessRunner.RUN_ID_VARIABLE, "set-by-the-block")),
            ctx);
    String id1 = value(first.output(), "self");
    String id2 = value(second.output(), "self");
    assertEquals(id1, value(first.output(), "child"));
    assertEquals(id2, value(second.output(), "child"));
    assertFalse(id1.isBlank());
    assertFalse(id1.equals(id2), "two runs share the id " + id1);
    assertFalse(Set.of("inherited-from-the-agent", "set-by-the-block").contains(id2));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void noThreadIsLeftReadingAPipeThatABackgroundChildKeepsOpen() throws Exception {
    Set<Thread> before = pipeReaders();
    int threadsBefore = nonReaperThreads();
    for (int i = 0; i < 5; i++) {
      ProcessRunner.Result r = bash("sleep 60 & echo bg=$!; echo done", ExecContext.of(settings));
      strays.add(pid(r.output(), "bg"));
      assertTrue(r.succeeded(), r.toString());
    }
    // the JDK's reaper drains a pipe at exit under the stream's lock: nothing may hold it
    Set<Thread> stuck = pipeReaders();
    stuck.removeAll(before);
    assertEquals(Set.of(), stuck, "threads reading or draining a process pipe");
    assertTrue(
        nonReaperThreads() <= threadsBefore,
        "threads before " + threadsBefore + ", after " + nonReaperThreads());
  }

  @ParameterizedTest(name = "own process group: {0}")
  @ValueSource(booleans = {true, false})
  void cancellationKillsTheTreeAndSaysSo(boolean ownGroup) throws Exception {
    AtomicBoolean cancel = new AtomicBoolean();
    AtomicLong child = new AtomicLong();
    ExecContext ctx =
        new ExecContext(
            settings,
            line -> {
              if (line.startsWith("child=")) {
                child.set(Long.parseLong(line.substring(6)));
                cancel.set(true);
              }
            },
            cancel::get);
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("bash", "-c", "sleep 300 & echo child=$!; wait")
                .withOwnGroup(ownGroup),
            ctx);
    strays.add(child.get());
    assertEquals(ProcessRunner.Status.CANCELLED, r.status());
    assertTrue(r.message().startsWith("cancelled"), r.message());
    assertTrue(TestProcesses.awaitGone(child.get(), 10_000));
  }

  @Test
  void outputTailStaysBoundedWhateverIsPrinted() {
    List<String> lines = new CopyOnWriteArrayList<>();
    AtomicLong streamed = new AtomicLong();
    ExecSettings s = TestTools.withTailBytes(settings, 1000);
    ProcessRunner.Result r =
        bash(
            "head -c 30000000 /dev/zero | tr '\\0' 'x'; echo; for i in $(seq 1 2000); do echo line-$i; done; echo END",
            new ExecContext(
                s,
                line -> {
                  streamed.addAndGet(line.length());
                  if (line.startsWith("line-") || line.equals("END")) {
                    lines.add(line);
                  }
                },
                () -> false));
    assertTrue(r.succeeded(), r.message());
    assertTrue(r.outputBytes() > 30_000_000, "counted " + r.outputBytes());
    assertTrue(
        r.output().getBytes(StandardCharsets.UTF_8).length <= 1000, "tail " + r.output().length());
    assertTrue(r.output().endsWith("line-2000\nEND\n"), r.output());
    assertEquals(2001, lines.size());
    assertTrue(streamed.get() >= 30_000_000, "streamed " + streamed.get());
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aBackgroundChildHoldingTheOutputOpenDoesNotHangTheRun() throws Exception {
    ProcessRunner.Result r = bash("sleep 60 & echo bg=$!; echo done", ExecContext.of(settings));
    long bg = pid(r.output(), "bg");
    strays.add(bg);
    assertEquals(ProcessRunner.Status.EXITED, r.status(), r.toString());
    assertEquals(0, r.exitCode());
    assertTrue(r.output().contains("done"));
    // a successful command's background work is left alone
    assertFalse(TestProcesses.isGone(bg));
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aBackgroundChildThatGoesOnPrintingDoesNotKeepTheRunGoing() throws Exception {
    Path pidFile = tmp.resolve("yes.pid");
    // `yes` fills the pipe faster than it can be read: there is always more to read
    ProcessRunner.Result r =
        bash(
            "yes spam & echo $! > '" + pidFile + "'; sleep 0.2; echo done",
            ExecContext.of(settings.withTimeout(Duration.ZERO)));
    strays.add(Long.parseLong(Files.readString(pidFile).strip()));
    assertEquals(ProcessRunner.Status.EXITED, r.status(), r.message());
    assertEquals(0, r.exitCode());
  }

  @Test
  void runAsGoesThroughSudoWithTheEnvironmentPassedExplicitly() {
    FakeSudo sudo = FakeSudo.create(tmp.resolve("sudo"));
    ExecSettings s = TestTools.withSudo(settings, sudo.path());
    ProcessRunner.Result r =
        runner.run(
            new ProcessRunner.Command(
                List.of("/bin/bash", "-c", "echo $APP_ENV as $FAKE_SUDO_USER"),
                tmp,
                Map.of("APP_ENV", "production"),
                "deploy"),
            ExecContext.of(s));
    assertTrue(r.succeeded(), r.toString());
    assertEquals("production as deploy\n", r.output());
    String env = Files.isExecutable(Path.of("/usr/bin/env")) ? "/usr/bin/env" : "env";
    assertEquals(1, sudo.calls().size());
    List<String> call = new ArrayList<>(sudo.calls().get(0));
    String runId = call.remove(7);
    assertTrue(runId.matches(ProcessRunner.RUN_ID_VARIABLE + "=[0-9a-f-]+"), runId);
    assertEquals(
        List.of(
            "-n",
            "-H",
            "-u",
            "deploy",
            "--",
            env,
            "APP_ENV=production",
            "/bin/bash",
            "-c",
            "echo $APP_ENV as $FAKE_SUDO_USER"),
        call);
  }

  @Test
  void sudoRefusingIsNotStarted() {
    FakeSudo sudo = FakeSudo.create(tmp.resolve("sudo")).refuse();
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("/bin/true").as("deploy"),
            ExecContext.of(TestTools.withSudo(settings, sudo.path())));
    assertEquals(ProcessRunner.Status.NOT_STARTED, r.status());
    assertTrue(
        r.message().contains("could not run as deploy: sudo: a password is required"), r.message());
  }

  @Test
  void runAsAMissingCommandIsNotStarted() {
    FakeSudo sudo = FakeSudo.create(tmp.resolve("sudo"));
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("/nonexistent/shell", "-c", "true").as("deploy"),
            ExecContext.of(TestTools.withSudo(settings, sudo.path())));
    assertEquals(ProcessRunner.Status.NOT_STARTED, r.status());
    assertTrue(r.message().contains("command not found: /nonexistent/shell"), r.message());
    assertEquals(List.of(), sudo.calls());
  }

  @Test
  void longCommandsAreShownOnOneShortLine() {
    String script = "echo start\n" + "x".repeat(500);
    String shown = ProcessRunner.Command.of("bash", "-c", script).display();
    assertTrue(shown.length() <= 200 && !shown.contains("\n"), shown);
  }

  @Test
  void missingSudoIsNotStarted() {
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of("/bin/true").as("deploy"),
            ExecContext.of(TestTools.withSudo(settings, tmp.resolve("no-sudo"))));
    assertEquals(ProcessRunner.Status.NOT_STARTED, r.status());
    assertTrue(r.message().contains("sudo not found"), r.message());
  }

  @Test
  void aThrowingOutputSinkDoesNotBreakTheRun() {
    ProcessRunner.Result r =
        bash(
            "echo a; echo b; exit 0",
            new ExecContext(
                settings,
                line -> {
                  throw new IllegalStateException("sink broken");
                },
                () -> false));
    assertTrue(r.succeeded());
    assertEquals("a\nb\n", r.output());
  }

  private static long pgid(long pid) {
    return ProcessTree.stat(pid).orElseThrow(() -> new AssertionError("no process " + pid)).pgrp();
  }

  private static String value(String output, String name) {
    Matcher m = Pattern.compile(name + "=(\\S*)").matcher(output);
    assertTrue(m.find(), "no " + name + " in: " + output);
    return m.group(1);
  }

  /** Threads blocked in a read of a file or pipe, or in the JDK's drain of a process pipe. */
  private static Set<Thread> pipeReaders() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(
            e ->
                java.util.Arrays.stream(e.getValue())
                    .anyMatch(
                        f ->
                            (f.getClassName().startsWith("java.lang.ProcessImpl")
                                    && f.getMethodName().equals("processExited"))
                                || (f.getClassName().equals("java.io.FileInputStream")
                                    && f.getMethodName().startsWith("read"))))
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  /** Live threads, apart from the JDK's pool of process reapers (idle ones linger a while). */
  private static int nonReaperThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !t.getName().startsWith("process reaper"))
            .count();
  }

  private static long pid(String output, String name) {
    Matcher m = Pattern.compile(name + "=(\\d+)").matcher(output);
    assertTrue(m.find(), "no " + name + " pid in: " + output);
    return Long.parseLong(m.group(1));
  }
}

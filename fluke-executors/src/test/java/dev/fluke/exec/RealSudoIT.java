package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.TestProcesses;
import dev.fluke.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run_as} through the real {@code sudo} (Debian's, which scripts/test.sh installs; CI runs
 * as root, whom sudo lets become any user without a password): the command runs as that user, with
 * the block's environment and working directory, and a timeout still kills it. Like the Redis and
 * Chromium tests, it needs what scripts/test.sh sets up (sudo, run as root) and fails, saying so,
 * without it.
 */
class RealSudoIT {
  private static final Path SUDO = Path.of("/usr/bin/sudo");

  @TempDir Path tmp;
  private final ProcessRunner runner = new ProcessRunner(Duration.ofMillis(500));
  private final List<Long> strays = new ArrayList<>();
  private ExecSettings settings;
  private Path workDir;

  @BeforeEach
  void setUp() throws Exception {
    assertTrue(
        Files.isExecutable(SUDO) && "root".equals(System.getProperty("user.name")),
        "needs " + SUDO + " and root: run scripts/test.sh (it installs sudo), as root");
    settings = TestTools.withSudo(TestTools.settingsWithoutMise(tmp), SUDO);
    // Where the other user may go: JUnit's temp dir is the owner's alone.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    workDir = Files.createDirectories(tmp.resolve("app"));
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void killStrays() {
    strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private ProcessRunner.Result runAs(String user, String script, ExecSettings s) {
    return runner.run(
        new ProcessRunner.Command(
            List.of("/bin/bash", "-c", script), workDir, Map.of("APP_ENV", "production"), user),
        ExecContext.of(s));
  }

  @Test
  void theCommandRunsAsTheUserWithTheBlocksEnvironmentAndDirectory() {
    ProcessRunner.Result r = runAs("nobody", "echo \"$(id -un) $APP_ENV $(pwd)\"", settings);
    assertEquals(ProcessRunner.Status.EXITED, r.status(), r.toString());
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("nobody production " + workDir + "\n", r.output());
  }

  @Test
  void theUsersExitCodeIsKept() {
    ProcessRunner.Result r = runAs("nobody", "exit 7", settings);
    assertEquals(ProcessRunner.Status.EXITED, r.status(), r.toString());
    assertEquals(7, r.exitCode());
  }

  @Test
  void anUnknownUserIsNotStartedAndSaysWhy() {
    ProcessRunner.Result r = runAs("no-such-user-fluke", "echo never", settings);
    assertEquals(ProcessRunner.Status.NOT_STARTED, r.status(), r.toString());
    assertTrue(
        r.message().contains("could not run as no-such-user-fluke: sudo: unknown user"),
        r.message());
  }

  @Test
  void aTimeoutKillsTheOtherUsersProcessTree() throws Exception {
    ProcessRunner.Result r =
        runAs(
            "nobody",
            "sleep 300 & echo child=$!; echo ready; wait",
            settings.withTimeout(Duration.ofSeconds(1)));
    assertEquals(ProcessRunner.Status.TIMED_OUT, r.status(), r.toString());
    long child =
        Long.parseLong(
            r.output()
                .lines()
                .filter(l -> l.startsWith("child="))
                .findFirst()
                .orElseThrow()
                .substring("child=".length()));
    strays.add(child);
    assertTrue(TestProcesses.awaitGone(child, 10_000), "nobody's child " + child + " still runs");
  }

  @Test
  void aShellBlockWithRunAsChecksAsThatUser() throws Exception {
    Path marker = workDir.resolve("owned-by-nobody");
    ShellExecutor shell = new ShellExecutor(runner);
    dev.fluke.manifest.ExecutorSpec spec =
        new dev.fluke.manifest.ExecutorSpec(
            "shell",
            "owner",
            Map.of(
                "check",
                "test \"$(stat -c %U " + marker + ")\" = nobody",
                "command",
                "touch " + marker,
                "run_as",
                "nobody",
                "working_dir",
                workDir.toString()),
            dev.fluke.manifest.OnFailure.ABORT,
            null);
    assertEquals(Outcome.DRIFTED, shell.check(spec, ExecContext.of(settings)).outcome());
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    StepResult apply = shell.apply(spec, ExecContext.of(settings));
    assertEquals(Outcome.APPLIED, apply.outcome(), apply.toString());
    assertEquals(
        Outcome.SATISFIED,
        shell.check(spec, ExecContext.of(settings)).outcome(),
        "the file the apply made is nobody's");
  }
}

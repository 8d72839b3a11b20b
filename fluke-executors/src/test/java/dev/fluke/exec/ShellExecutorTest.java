package dev.fluke.exec;

import static dev.fluke.exec.Specs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.testing.FakeSudo;
import dev.fluke.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellExecutorTest {
  @TempDir Path tmp;
  private final ShellExecutor shell = new ShellExecutor(new ProcessRunner(Duration.ofMillis(500)));
  private ExecSettings settings;

  @BeforeEach
  void setUp() {
    settings = TestTools.settingsWithoutMise(tmp);
  }

  private ExecutorSpec marker(Object... more) {
    Path marker = tmp.resolve("deployed");
    Object[] base = {"check", "test -f " + marker, "command", "echo deploying; touch " + marker};
    Object[] all = new Object[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return spec("shell", all);
  }

  @Test
  void theApplyLeadsItsOwnProcessGroupAndTheCheckRunsInTheAgents() throws Exception {
    Path roles = tmp.resolve("roles");
    String role =
        "if [ \"$(cut -d' ' -f5 /proc/$$/stat)\" = \"$$\" ]; then echo leader; else echo member; fi";
    ExecutorSpec s =
        spec("shell", "check", role + " >> " + roles + "; false", "command", role + " >> " + roles);
    assertEquals(Outcome.DRIFTED, shell.check(s, ExecContext.of(settings)).outcome());
    assertEquals(Outcome.APPLIED, shell.apply(s, ExecContext.of(settings)).outcome());
    assertEquals(List.of("member", "leader"), Files.readAllLines(roles));
  }

  @Test
  void declaresTheShellSchema() {
    assertEquals("shell", shell.type());
    assertEquals(BuiltinSchemas.SHELL, shell.schema());
  }

  @Test
  void checkIsDriftedUntilApplyMakesItSatisfied() {
    StepResult before = shell.check(marker(), ExecContext.of(settings));
    assertEquals(Outcome.DRIFTED, before.outcome());
    assertEquals(Phase.CHECK, before.phase());
    assertEquals(1, before.exitCode());

    List<String> lines = new CopyOnWriteArrayList<>();
    StepResult apply = shell.apply(marker(), new ExecContext(settings, lines::add, () -> false));
    assertEquals(Outcome.APPLIED, apply.outcome());
    assertEquals(Phase.APPLY, apply.phase());
    assertEquals(List.of("deploying"), lines);
    assertEquals("deploying\n", apply.output());

    assertEquals(Outcome.SATISFIED, shell.check(marker(), ExecContext.of(settings)).outcome());
  }

  @Test
  void failingApplyIsFailedWithItsExitCode() {
    StepResult r =
        shell.apply(
            spec("shell", "check", "false", "command", "echo boom >&2; exit 7"),
            ExecContext.of(settings));
    assertEquals(Outcome.FAILED, r.outcome());
    assertEquals(7, r.exitCode());
    assertEquals("boom\n", r.output());
  }

  @Test
  void runsInWorkingDirWithTheBlocksEnv() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("app"));
    ExecutorSpec s =
        spec(
            "shell",
            "check",
            "test \"$(pwd)\" = \"" + dir.toRealPath() + "\" && test \"$APP_ENV\" = production",
            "command",
            "true",
            "working_dir",
            dir.toString(),
            "env",
            Map.of("APP_ENV", "production"));
    assertEquals(Outcome.SATISFIED, shell.check(s, ExecContext.of(settings)).outcome());
  }

  @Test
  void missingWorkingDirIsAnErrorNotDrift() {
    StepResult r =
        shell.check(
            marker("working_dir", tmp.resolve("gone").toString()), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, r.outcome());
    assertEquals(-1, r.exitCode());
    assertTrue(r.message().contains("does not exist"), r.message());
  }

  @Test
  void missingShellIsAnError() {
    ExecSettings noShell =
        new ExecSettings(
            "/nonexistent/shell",
            settings.commandTimeout(),
            settings.outputTailBytes(),
            settings.env(),
            settings.systemctl(),
            settings.mise(),
            settings.sudo(),
            settings.stateDir());
    StepResult r = shell.check(marker(), ExecContext.of(noShell));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("/nonexistent/shell"), r.message());
  }

  @Test
  void timedOutCheckIsAnErrorNeverDrift() {
    StepResult r =
        shell.check(
            spec("shell", "check", "sleep 30", "command", "true"),
            ExecContext.of(settings.withTimeout(Duration.ofMillis(300))));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().startsWith("timed out after 300ms"), r.message());
  }

  @Test
  void runAsRunsThroughSudo() {
    FakeSudo sudo = FakeSudo.create(tmp.resolve("sudo"));
    ExecutorSpec s =
        spec(
            "shell",
            "check",
            "test \"$FAKE_SUDO_USER:$APP_ENV\" = deploy:production",
            "command",
            "true",
            "run_as",
            "deploy",
            "env",
            Map.of("APP_ENV", "production"));
    StepResult r = shell.check(s, ExecContext.of(TestTools.withSudo(settings, sudo.path())));
    assertEquals(Outcome.SATISFIED, r.outcome(), r.output());
    List<String> call = sudo.calls().get(0);
    assertEquals(List.of("-n", "-H", "-u", "deploy", "--"), call.subList(0, 5));
    assertEquals("APP_ENV=production", call.get(6));
    assertTrue(call.get(7).startsWith(ProcessRunner.RUN_ID_VARIABLE + "="), call.get(7));
    assertEquals(List.of("/bin/bash", "-c"), call.subList(8, 10));
  }

  @Test
  void sudoRefusingRunAsIsAnError() {
    FakeSudo sudo = FakeSudo.create(tmp.resolve("sudo")).refuse();
    StepResult r =
        shell.check(
            marker("run_as", "deploy"), ExecContext.of(TestTools.withSudo(settings, sudo.path())));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("a password is required"), r.message());
  }
}

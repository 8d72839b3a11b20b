package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.git.JGitSync;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.testing.TestRepos;
import dev.fluke.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MiseExecutorIT {
  private static final String TASKS =
      """
      [tasks.check]
      run = "echo checking; test -f done"

      [tasks.apply]
      run = "echo applying; touch done"

      [tasks.fluke-check]
      run = "test -f custom-done"

      [tasks.fluke-apply]
      run = "touch custom-done"

      [tasks.slow]
      run = "sleep 30"
      """;

  @TempDir Path tmp;
  private JGitSync git;
  private MiseExecutor mise;
  private ExecSettings settings;
  private Path app;

  @BeforeEach
  void setUp() throws Exception {
    git = new JGitSync();
    mise = new MiseExecutor(git, new ProcessRunner(Duration.ofMillis(500)));
    settings = TestTools.settings(tmp);
    app = Files.createDirectories(tmp.resolve("app"));
    TestRepos.isolateJGitConfig();
  }

  @AfterEach
  void tearDown() {
    git.close();
  }

  private ExecutorSpec deploy(Object... more) {
    Object[] base = {"working_dir", app.toString(), "check_task", "check", "apply_task", "apply"};
    Map<String, Object> attrs = new HashMap<>();
    for (int i = 0; i < base.length; i += 2) {
      attrs.put((String) base[i], base[i + 1]);
    }
    for (int i = 0; i < more.length; i += 2) {
      attrs.put((String) more[i], more[i + 1]);
    }
    return new ExecutorSpec(
        "mise",
        "deploy",
        attrs,
        dev.fluke.manifest.OnFailure.ABORT,
        dev.fluke.hcl.SourcePos.UNKNOWN);
  }

  @Test
  void declaresTheMiseSchema() {
    assertEquals("mise", mise.type());
    assertEquals(BuiltinSchemas.MISE, mise.schema());
  }

  @Test
  void checkDriftsApplyRunsTheTaskThenCheckIsSatisfied() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), TASKS);
    List<String> lines = new CopyOnWriteArrayList<>();
    StepResult before = mise.check(deploy(), new ExecContext(settings, lines::add, () -> false));
    assertEquals(Outcome.DRIFTED, before.outcome(), before.message() + "\n" + before.output());
    assertTrue(lines.contains("checking"), lines.toString());
    assertTrue(before.output().contains("checking"), before.output());
    assertTrue(before.exitCode() != 0);

    StepResult apply = mise.apply(deploy(), ExecContext.of(settings));
    assertEquals(Outcome.APPLIED, apply.outcome(), apply.output());
    assertEquals(Phase.APPLY, apply.phase());
    assertTrue(apply.output().contains("applying"), apply.output());
    assertTrue(Files.exists(app.resolve("done")));

    StepResult after = mise.check(deploy(), ExecContext.of(settings));
    assertEquals(Outcome.SATISFIED, after.outcome(), after.output());
    assertEquals(0, after.exitCode());
  }

  @Test
  void customTaskNamesAreRun() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), TASKS);
    ExecutorSpec s = deploy("check_task", "fluke-check", "apply_task", "fluke-apply");
    assertEquals(Outcome.DRIFTED, mise.check(s, ExecContext.of(settings)).outcome());
    assertEquals(Outcome.APPLIED, mise.apply(s, ExecContext.of(settings)).outcome());
    assertTrue(Files.exists(app.resolve("custom-done")));
    assertEquals(Outcome.SATISFIED, mise.check(s, ExecContext.of(settings)).outcome());
  }

  @Test
  void missingTaskIsAConfigurationErrorNamingTheTask() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), TASKS);
    StepResult check = mise.check(deploy("check_task", "verify"), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, check.outcome());
    assertTrue(check.message().contains("mise task 'verify' not found"), check.message());

    StepResult apply = mise.apply(deploy("apply_task", "rollout"), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, apply.outcome());
    assertTrue(apply.message().contains("mise task 'rollout' not found"), apply.message());
  }

  @Test
  void missingWorkingDirOrConfigIsAnError() throws Exception {
    StepResult noDir =
        mise.check(
            deploy("working_dir", tmp.resolve("absent").toString()), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, noDir.outcome());
    assertTrue(noDir.message().contains("does not exist"), noDir.message());

    StepResult noConfig = mise.check(deploy(), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, noConfig.outcome());
    assertTrue(noConfig.message().contains("no .mise.toml"), noConfig.message());
  }

  @Test
  void brokenConfigIsAnErrorNotDrift() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), "[tasks.check\nrun = ");
    StepResult r = mise.check(deploy(), ExecContext.of(settings));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("mise could not list the tasks"), r.message());
  }

  @Test
  void configIsTrustedWithoutAPromptEvenWhenMiseIsParanoid() throws Exception {
    Files.writeString(
        app.resolve(".mise.toml"),
        """
        [env]
        GREETING = "hello from mise"

        [tasks.check]
        run = "test \\"$GREETING\\" = 'hello from mise'"
        """);
    Map<String, String> env = new HashMap<>(settings.env());
    env.put("MISE_PARANOID", "1");
    env.remove(
        "MISE_YES"); // the executor must bring its own trust, not rely on the agent's environment
    StepResult r = mise.check(deploy(), ExecContext.of(settings.withEnv(env)));
    assertEquals(Outcome.SATISFIED, r.outcome(), r.message() + "\n" + r.output());
  }

  @Test
  void slowTaskTimesOutAsAnError() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), TASKS);
    StepResult r =
        mise.check(
            deploy("check_task", "slow"),
            ExecContext.of(settings.withTimeout(Duration.ofSeconds(2))));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().startsWith("timed out after 2s"), r.message());
  }

  @Test
  void missingMiseBinaryIsAnError() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), TASKS);
    ExecSettings noMise =
        new ExecSettings(
            settings.defaultShell(),
            settings.commandTimeout(),
            settings.outputTailBytes(),
            settings.env(),
            settings.systemctl(),
            tmp.resolve("no/mise").toString(),
            settings.sudo(),
            settings.stateDir());
    StepResult r = mise.check(deploy(), ExecContext.of(noMise));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("command not found"), r.message());
  }

  @Test
  void gitBlockClonesBeforeTheFirstCheckAndFastForwardsBeforeLaterOnes() throws Exception {
    Path workingDir = tmp.resolve("checkout");
    try (TestRepos.Repo upstream = TestRepos.init(tmp.resolve("upstream"))) {
      upstream.write(
          ".mise.toml",
          """
          [tasks.check]
          run = "grep -q v2 VERSION"

          [tasks.apply]
          run = "echo deployed > DEPLOYED"
          """);
      upstream.commitFile("VERSION", "v1\n", "v1");
      ExecutorSpec s =
          deploy(
              "working_dir",
              workingDir.toString(),
              "git",
              Map.of("url", upstream.url(), "branch", "main"));

      List<String> lines = new CopyOnWriteArrayList<>();
      StepResult first = mise.check(s, new ExecContext(settings, lines::add, () -> false));
      assertEquals(Outcome.DRIFTED, first.outcome(), first.message() + "\n" + first.output());
      assertEquals("v1\n", Files.readString(workingDir.resolve("VERSION")));
      assertTrue(
          lines.stream().anyMatch(l -> l.contains(upstream.resolve("HEAD"))), lines.toString());

      String v2 = upstream.commitFile("VERSION", "v2\n", "v2");
      StepResult second = mise.check(s, ExecContext.of(settings));
      assertEquals(Outcome.SATISFIED, second.outcome(), second.output());
      assertTrue(second.output().contains(v2), second.output());

      // apply does not sync: it runs on what the check saw
      assertEquals(Outcome.APPLIED, mise.apply(s, ExecContext.of(settings)).outcome());
      assertTrue(Files.exists(workingDir.resolve("DEPLOYED")));
    }
  }

  @Test
  void gitBlockFollowsAForcePushUnlessTheWorkingDirHasWorkOfItsOwn() throws Exception {
    Path workingDir = tmp.resolve("checkout");
    try (TestRepos.Repo upstream = TestRepos.init(tmp.resolve("upstream"))) {
      upstream.write(
          ".mise.toml",
          """
          [tasks.check]
          run = "grep -q good VERSION"

          [tasks.apply]
          run = "true"
          """);
      String base = upstream.commitFile("VERSION", "good\n", "v1");
      String bad = upstream.commitFile("VERSION", "bad\n", "v2, a mistake");
      ExecutorSpec s =
          deploy(
              "working_dir",
              workingDir.toString(),
              "git",
              Map.of("url", upstream.url(), "branch", "main"));
      assertEquals(Outcome.DRIFTED, mise.check(s, ExecContext.of(settings)).outcome());

      // the mistake is dropped upstream with a force push
      upstream.resetHard(base);
      String fixed = upstream.commitFile("VERSION", "good, again\n", "v2, fixed");
      StepResult followed = mise.check(s, ExecContext.of(settings));
      assertEquals(Outcome.SATISFIED, followed.outcome(), followed.output());
      assertTrue(
          followed.output().contains("rewritten upstream (force push): followed it from " + bad),
          followed.output());
      assertTrue(followed.output().contains(fixed), followed.output());

      // a commit made by hand in the working dir is never thrown away
      try (TestRepos.Repo local = TestRepos.open(workingDir)) {
        local.commitFile("HOTFIX", "by hand\n", "hotfix on the host");
      }
      upstream.resetHard(base);
      upstream.commitFile("VERSION", "good, third try\n", "v2 again");
      StepResult refused = mise.check(s, ExecContext.of(settings));
      assertEquals(Outcome.ERROR, refused.outcome(), refused.output());
      assertTrue(refused.message().contains("commits of its own"), refused.message());
      assertTrue(Files.exists(workingDir.resolve("HOTFIX")));
    }
  }

  @Test
  void failedGitSyncIsAnErrorAndRunsNoTask() throws Exception {
    Files.writeString(app.resolve(".mise.toml"), TASKS);
    Files.writeString(app.resolve("not-a-repo.txt"), "hand-made");
    ExecutorSpec s =
        deploy(
            "check_task",
            "apply",
            "git",
            Map.of("url", tmp.resolve("no-such-repo").toUri().toString(), "branch", "main"));
    StepResult r = mise.check(s, ExecContext.of(settings));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().startsWith("git sync of "), r.message());
    assertFalse(Files.exists(app.resolve("done")), "the task ran although the sync failed");
  }

  @Test
  void gitBlockWithAMissingRepositoryIsAnError() {
    ExecutorSpec s =
        deploy(
            "working_dir",
            tmp.resolve("fresh").toString(),
            "git",
            Map.of("url", tmp.resolve("no-such-repo").toUri().toString(), "branch", "main"));
    StepResult r = mise.check(s, ExecContext.of(settings));
    assertEquals(Outcome.ERROR, r.outcome());
    assertTrue(r.message().contains("failed"), r.message());
  }

  @Test
  void taskListParsingReadsNamesAndAliasesAndToleratesNoise() {
    String out =
        "mise WARN something\n[{\"name\":\"check\",\"aliases\":[\"c\"]},{\"name\":\"apply\",\"aliases\":[]}]\n";
    assertEquals(java.util.Set.of("apply", "c", "check"), MiseExecutor.taskNames(out));
    assertEquals(null, MiseExecutor.taskNames("not json"));
  }

  @Test
  void miseEnvironmentKeepsOperatorChoices() {
    Map<String, String> env = new HashMap<>(settings.env());
    env.put("MISE_OFFLINE", "0");
    env.put("MISE_TRUSTED_CONFIG_PATHS", "/srv/other");
    Map<String, String> m = MiseExecutor.miseEnv(settings.withEnv(env), app);
    assertEquals("1", m.get("MISE_YES"));
    assertEquals("/srv/other:" + app, m.get("MISE_TRUSTED_CONFIG_PATHS"));
    assertFalse(m.containsKey("MISE_OFFLINE"));
    env.remove("MISE_OFFLINE");
    assertEquals("1", MiseExecutor.miseEnv(settings.withEnv(env), app).get("MISE_OFFLINE"));
  }
}

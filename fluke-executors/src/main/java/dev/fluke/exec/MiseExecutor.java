package dev.fluke.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.git.RewritePolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.schema.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code mise} executor: hands the work to the user's own mise tasks. Check runs {@code mise
 * run <check_task>} in {@code working_dir} (exit 0 = SATISFIED, other = DRIFTED), apply runs {@code
 * mise run <apply_task>} (exit 0 = APPLIED, other = FAILED).
 *
 * <p>Before running a task it makes sure the task can run at all, and reports an ERROR (never
 * drift) otherwise: the working directory exists and holds a mise config file, and {@code mise
 * tasks ls --json --hidden} lists the task (a missing task is a configuration error whose message
 * names the task; mise's own "no task X found" is recognised too).
 *
 * <p>mise must never prompt or reach the network from an agent: standard input is {@code
 * /dev/null}, and mise runs with {@code MISE_YES=1}, the working directory added to {@code
 * MISE_TRUSTED_CONFIG_PATHS}, {@code MISE_OFFLINE=1} and {@code NO_COLOR=1} (the last two only
 * where the agent's environment does not set them, so an operator can allow tool installs with
 * {@code MISE_OFFLINE=0}).
 *
 * <p>With a {@code git { url branch }} block, every check first brings {@code working_dir} to the
 * tip of the branch through {@link GitSync} (clone, or fetch and fast-forward; a branch rewritten
 * upstream is followed when the working copy has no changes or commits of its own, and the check's
 * output says so); a failed sync is an ERROR. A plan's check ({@link ExecContext#dryRun()}) never
 * syncs: it runs the check task when the working copy is already at the tip, and otherwise reports
 * DRIFTED with what a sync would change.
 *
 * <p>What an apply runs leads its own process group; what a check runs is started directly (see
 * {@link ProcessRunner.Command#ownGroup()}).
 */
public final class MiseExecutor implements Executor {
  public static final String TYPE = "mise";

  /** The files mise reads as a directory's config; the directory must hold one of them. */
  static final List<String> CONFIG_FILES =
      List.of(
          ".mise.toml",
          "mise.toml",
          ".mise/config.toml",
          "mise/config.toml",
          ".config/mise.toml",
          ".config/mise/config.toml");

  /** Made on the first task list read, not when an agent starts (a holder). */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private final GitSync git;
  private final ProcessRunner runner;

  public MiseExecutor(GitSync git, ProcessRunner runner) {
    this.git = git;
    this.runner = runner;
  }

  public MiseExecutor(GitSync git) {
    this(git, new ProcessRunner());
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Schema schema() {
    return BuiltinSchemas.MISE;
  }

  @Override
  public StepResult check(ExecutorSpec spec, ExecContext ctx) {
    long start = System.nanoTime();
    StringBuilder notes = new StringBuilder();
    Map<String, Object> gitBlock = spec.block("git");
    if (gitBlock != null) {
      StepResult failed =
          ctx.dryRun()
              ? pending(spec, gitBlock, ctx, notes, start)
              : sync(spec, gitBlock, ctx, notes, start);
      if (failed != null) {
        return failed;
      }
    }
    return runTask(spec, Phase.CHECK, taskName(spec, "check_task", "check"), ctx, notes, start);
  }

  /** A check with a {@code git} block syncs the working copy first, except in a plan. */
  @Override
  public boolean checkChangesHost(ExecutorSpec spec, boolean dryRun) {
    return !dryRun && spec.block("git") != null;
  }

  @Override
  public StepResult apply(ExecutorSpec spec, ExecContext ctx) {
    return runTask(
        spec,
        Phase.APPLY,
        taskName(spec, "apply_task", "apply"),
        ctx,
        new StringBuilder(),
        System.nanoTime());
  }

  /**
   * A plan's check (dry run): the working copy is never synced. Null when it is already at the
   * branch's tip (the check task then runs on it as a cycle's would); else DRIFTED saying what a
   * sync would change (the check task is not run: it would run on code the host does not have), or
   * ERROR when a sync would fail.
   */
  private StepResult pending(
      ExecutorSpec spec,
      Map<String, Object> gitBlock,
      ExecContext ctx,
      StringBuilder notes,
      long start) {
    GitTarget target = GitTarget.of(spec, gitBlock);
    if (target == null) {
      return StepResult.error(
          Phase.CHECK, spec.label() + ": git block needs url and working_dir", since(start));
    }
    GitSource source = target.source();
    String branch = target.branch();
    Path dir = target.dir();
    try {
      String change = git.pendingSync(source, dir);
      if (change == null) {
        note(ctx, notes, "git: " + dir + " is at the tip of " + branch + " (plan: not synced)");
        return null;
      }
      String msg =
          "git: "
              + change
              + " (a plan never changes a host: not synced, the check task was not run)";
      note(ctx, notes, msg);
      return new StepResult(Phase.CHECK, Outcome.DRIFTED, 1, notes.toString(), since(start), msg);
    } catch (GitSyncException | RuntimeException e) {
      String msg =
          "git: cannot tell what a sync of "
              + source.redactedUrl()
              + " ("
              + branch
              + ") into "
              + dir
              + " would do: "
              + e.getMessage();
      note(ctx, notes, msg);
      return new StepResult(Phase.CHECK, Outcome.ERROR, -1, notes.toString(), since(start), msg);
    }
  }

  private StepResult sync(
      ExecutorSpec spec,
      Map<String, Object> gitBlock,
      ExecContext ctx,
      StringBuilder notes,
      long start) {
    GitTarget target = GitTarget.of(spec, gitBlock);
    if (target == null) {
      return StepResult.error(
          Phase.CHECK, spec.label() + ": git block needs url and working_dir", since(start));
    }
    GitSource source = target.source();
    String branch = target.branch();
    Path dir = target.dir();
    note(ctx, notes, "git: syncing " + source.redactedUrl() + " (" + branch + ") into " + dir);
    try {
      // A rewritten branch is followed (the remote is the truth) unless the working copy holds
      // work of its own, which JGitSync never resets: see docs/executors.md.
      GitSync.Result r = git.sync(source, dir, RewritePolicy.FOLLOW);
      if (r.rewritten()) {
        note(
            ctx,
            notes,
            "git: branch "
                + branch
                + " was rewritten upstream (force push): followed it from "
                + r.rewrittenFrom()
                + " to "
                + r.commit());
      }
      note(ctx, notes, "git: " + dir + " is at " + r.commit());
      return null;
    } catch (GitSyncException | RuntimeException e) {
      String msg =
          "git sync of "
              + source.redactedUrl()
              + " ("
              + branch
              + ") into "
              + dir
              + " failed: "
              + e.getMessage();
      note(ctx, notes, msg);
      return new StepResult(Phase.CHECK, Outcome.ERROR, -1, notes.toString(), since(start), msg);
    }
  }

  private StepResult runTask(
      ExecutorSpec spec,
      Phase phase,
      String task,
      ExecContext ctx,
      StringBuilder notes,
      long start) {
    String dirValue = spec.string("working_dir");
    if (dirValue == null || dirValue.isBlank()) {
      return error(phase, spec.label() + " has no working_dir", notes, start);
    }
    Path dir = Path.of(dirValue).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      return error(
          phase,
          "working_dir " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"),
          notes,
          start);
    }
    if (CONFIG_FILES.stream().noneMatch(f -> Files.isRegularFile(dir.resolve(f)))) {
      return error(
          phase, "no .mise.toml (or other mise config file) in working_dir " + dir, notes, start);
    }
    Map<String, String> env = miseEnv(ctx.settings(), dir);
    String mise = mise(ctx);
    boolean ownGroup = phase == Phase.APPLY;

    ExecContext quiet = new ExecContext(ctx.settings(), line -> {}, ctx.cancelled());
    ProcessRunner.Result listed =
        runner.run(
            new ProcessRunner.Command(
                List.of(mise, "tasks", "ls", "--json", "--hidden"), dir, env, null, ownGroup),
            quiet);
    if (!listed.exited()) {
      return error(phase, listed.message(), notes, start);
    }
    if (listed.exitCode() != 0) {
      notes.append(listed.output());
      return error(
          phase,
          "mise could not list the tasks in "
              + dir
              + " (exit "
              + listed.exitCode()
              + "): "
              + lastErrorLine(listed.output()),
          notes,
          start);
    }
    Set<String> tasks = taskNames(listed.output());
    if (tasks != null && !tasks.contains(task)) {
      return error(
          phase,
          "mise task '"
              + task
              + "' not found in "
              + dir
              + " (tasks: "
              + (tasks.isEmpty() ? "none" : String.join(", ", tasks))
              + ")",
          notes,
          start);
    }

    ProcessRunner.Result run =
        runner.run(
            new ProcessRunner.Command(List.of(mise, "run", task), dir, env, null, ownGroup), ctx);
    String output = SystemdExecutor.tail(notes + run.output(), ctx.settings().outputTailBytes());
    Duration took = since(start);
    if (!run.exited()) {
      return new StepResult(phase, Outcome.ERROR, -1, output, took, run.message());
    }
    if (run.exitCode() != 0 && run.output().contains("no task " + task + " found")) {
      return new StepResult(
          phase,
          Outcome.ERROR,
          run.exitCode(),
          output,
          took,
          "mise task '" + task + "' not found in " + dir);
    }
    boolean ok = run.exitCode() == 0;
    Outcome outcome =
        phase == Phase.APPLY
            ? (ok ? Outcome.APPLIED : Outcome.FAILED)
            : (ok ? Outcome.SATISFIED : Outcome.DRIFTED);
    return new StepResult(
        phase,
        outcome,
        run.exitCode(),
        output,
        took,
        "mise run " + task + ": exit " + run.exitCode());
  }

  /**
   * The environment mise runs with: trusted config, no prompts, no network unless the agent allows
   * it.
   */
  static Map<String, String> miseEnv(ExecSettings settings, Path dir) {
    Map<String, String> base = settings.env();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MISE_YES", "1");
    String trusted = base.get("MISE_TRUSTED_CONFIG_PATHS");
    env.put(
        "MISE_TRUSTED_CONFIG_PATHS",
        trusted == null || trusted.isBlank() ? dir.toString() : trusted + ":" + dir);
    if (!base.containsKey("MISE_OFFLINE")) {
      env.put("MISE_OFFLINE", "1");
    }
    if (!base.containsKey("NO_COLOR")) {
      env.put("NO_COLOR", "1");
    }
    return env;
  }

  /**
   * Task names and aliases from {@code mise tasks ls --json}; null when the output cannot be read
   * (then mise's own "no task" error is relied on).
   */
  static Set<String> taskNames(String output) {
    int at = output.startsWith("[") ? 0 : output.indexOf("\n[");
    if (at < 0) {
      return null;
    }
    int end = output.lastIndexOf(']');
    if (end < at) {
      return null;
    }
    try {
      JsonNode array = Json.MAPPER.readTree(output.substring(at, end + 1).strip());
      if (!array.isArray()) {
        return null;
      }
      Set<String> names = new TreeSet<>();
      for (JsonNode t : array) {
        if (t.hasNonNull("name")) {
          names.add(t.get("name").asText());
        }
        for (JsonNode alias : t.path("aliases")) {
          names.add(alias.asText());
        }
      }
      return names;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String taskName(ExecutorSpec spec, String attribute, String dflt) {
    String v = spec.string(attribute);
    return v == null || v.isBlank() ? dflt : v;
  }

  private static String mise(ExecContext ctx) {
    String m = ctx.settings().mise();
    return m == null || m.isBlank() ? "mise" : m;
  }

  private static String lastErrorLine(String output) {
    List<String> lines = new ArrayList<>(output.strip().lines().toList());
    // mise ends errors with "Version: …" and "Run with --verbose …" lines: the cause comes before
    // them
    lines.removeIf(l -> l.contains("Version: ") || l.contains("--verbose") || l.isBlank());
    return lines.isEmpty() ? "" : lines.get(0).strip();
  }

  private static void note(ExecContext ctx, StringBuilder notes, String line) {
    notes.append(line).append('\n');
    try {
      ctx.outputLines().accept(line);
    } catch (RuntimeException ignored) {
      // a broken sink must not break the step
    }
  }

  private static StepResult error(Phase phase, String message, StringBuilder notes, long start) {
    return new StepResult(phase, Outcome.ERROR, -1, notes.toString(), since(start), message);
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** The git block's repository and branch ({@code main} by default) and the task's working_dir. */
  private record GitTarget(GitSource source, String branch, Path dir) {
    /** Null when the url or the working_dir is missing. */
    static GitTarget of(ExecutorSpec spec, Map<String, Object> gitBlock) {
      Object url = gitBlock.get("url");
      Object branchValue = gitBlock.get("branch");
      String branch = branchValue == null ? "main" : branchValue.toString();
      String dir = spec.string("working_dir");
      if (url == null || dir == null || dir.isBlank()) {
        return null;
      }
      return new GitTarget(GitSource.of(url.toString(), branch), branch, Path.of(dir));
    }
  }
}

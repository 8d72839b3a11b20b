package dev.fluke.exec;

import dev.fluke.hcl.Durations;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one command for an executor: argv in a working directory with an environment, optionally as
 * another user through {@code sudo}, output (stdout and stderr merged) streamed line by line to the
 * context and kept as a bounded tail. The one place where Fluke starts processes.
 *
 * <p>How it runs a command:
 *
 * <ul>
 *   <li>The environment is {@link ExecSettings#env()} plus the command's own variables. The
 *       executable is looked up in that environment's {@code PATH} (not the agent's), so a missing
 *       binary is reported as such before anything starts. Standard input is {@code /dev/null}:
 *       nothing can wait for a prompt.
 *   <li>With {@code runAs}, the command becomes {@code sudo -n -H -u USER -- /usr/bin/env K=V…
 *       argv…}: sudo resets the environment, so the command's own variables are passed explicitly
 *       through {@code env}; {@code -n} makes sudo fail instead of asking for a password. If sudo
 *       itself refuses (exit 1 with a first line starting {@code "sudo: "}), the command did not
 *       run: {@link Status#NOT_STARTED}.
 *   <li>The process is started through {@code setsid} (when present) so that it leads its own
 *       process group; on timeout or cancellation the whole tree is killed: the process, its
 *       descendants, and every member of its process group (which also catches daemonised
 *       grandchildren). They get SIGTERM first (sudo relays it to the command it runs), then
 *       SIGKILL after a short grace.
 *   <li>Output is read by the calling thread without ever blocking on the pipe (it polls what is
 *       available), so there is no reader thread to leak and a background child that keeps the pipe
 *       open cannot hang the run: once the command exits, what it wrote is drained and the run is
 *       over.
 * </ul>
 *
 * <p>Blocking: callers run it on a dedicated dispatcher. Thread-safe and stateless; one instance
 * may be shared by all executors.
 */
public final class ProcessRunner {
  private static final Logger log = LoggerFactory.getLogger(ProcessRunner.class);
  private static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(2);
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final int POST_EXIT_DRAIN_LIMIT = 1 << 20;

  /** How a run ended. */
  public enum Status {
    /** The process ran and exited; see the exit code. */
    EXITED,
    /** Killed (with its whole tree) after {@link ExecSettings#commandTimeout()}. */
    TIMED_OUT,
    /** Killed (with its whole tree) because the context said so. */
    CANCELLED,
    /** Never ran: missing binary, bad working directory, sudo refused, could not be spawned. */
    NOT_STARTED
  }

  /**
   * One command to run.
   *
   * @param argv the executable and its arguments; the executable is resolved in the environment's
   *     PATH
   * @param workingDir where to run, or null for the agent's own working directory
   * @param env variables added on top of {@link ExecSettings#env()}
   * @param runAs user to run as through sudo, or null
   */
  public record Command(List<String> argv, Path workingDir, Map<String, String> env, String runAs) {
    public Command {
      argv = List.copyOf(argv);
      if (argv.isEmpty()) {
        throw new IllegalArgumentException("empty argv");
      }
      env = env == null ? Map.of() : Map.copyOf(env);
      runAs = runAs == null || runAs.isBlank() ? null : runAs;
    }

    public static Command of(String... argv) {
      return new Command(List.of(argv), null, Map.of(), null);
    }

    public static Command of(List<String> argv) {
      return new Command(argv, null, Map.of(), null);
    }

    public Command in(Path dir) {
      return new Command(argv, dir, env, runAs);
    }

    public Command withEnv(Map<String, String> more) {
      Map<String, String> merged = new LinkedHashMap<>(env);
      merged.putAll(more);
      return new Command(argv, workingDir, merged, runAs);
    }

    public Command as(String user) {
      return new Command(argv, workingDir, env, user);
    }

    /**
     * The command as an operator would type it, on one line and cut at 200 characters, for
     * messages.
     */
    public String display() {
      String all = String.join(" ", argv).replaceAll("\\s+", " ").strip();
      return all.length() <= 200 ? all : all.substring(0, 199) + "…";
    }
  }

  /**
   * What a run did.
   *
   * @param exitCode the exit code when {@link Status#EXITED}, otherwise -1
   * @param output the last {@link ExecSettings#outputTailBytes()} bytes of merged output
   * @param outputBytes how many bytes the process printed in all
   * @param message why it did not simply exit (empty when it did)
   */
  public record Result(
      Status status,
      int exitCode,
      String output,
      long outputBytes,
      Duration duration,
      String message) {

    public boolean exited() {
      return status == Status.EXITED;
    }

    public boolean succeeded() {
      return status == Status.EXITED && exitCode == 0;
    }

    /**
     * Maps this run onto a step: exit 0 gives {@code onZero}, another exit code {@code onNonZero},
     * anything else (not started, timed out, cancelled) {@link Outcome#ERROR}, never a non-zero
     * outcome.
     */
    public StepResult toStep(Phase phase, Outcome onZero, Outcome onNonZero) {
      if (status != Status.EXITED) {
        return new StepResult(phase, Outcome.ERROR, -1, output, duration, message);
      }
      Outcome outcome = exitCode == 0 ? onZero : onNonZero;
      return new StepResult(phase, outcome, exitCode, output, duration, "exit " + exitCode);
    }
  }

  private final Duration killGrace;
  private final String setsid;

  public ProcessRunner() {
    this(DEFAULT_KILL_GRACE);
  }

  /**
   * @param killGrace how long a killed tree gets between SIGTERM and SIGKILL
   */
  public ProcessRunner(Duration killGrace) {
    this.killGrace = Objects.requireNonNull(killGrace);
    this.setsid =
        Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p)))
            .findFirst()
            .orElse(null);
  }

  /** Runs the command to its end (or timeout, or cancellation). Never throws for host failures. */
  public Result run(Command cmd, ExecContext ctx) {
    ExecSettings settings = ctx.settings();
    long startNanos = System.nanoTime();

    if (cmd.workingDir() != null) {
      if (!Files.exists(cmd.workingDir())) {
        return notStarted("working directory " + cmd.workingDir() + " does not exist", startNanos);
      }
      if (!Files.isDirectory(cmd.workingDir())) {
        return notStarted(
            "working directory " + cmd.workingDir() + " is not a directory", startNanos);
      }
    }

    Map<String, String> env = new HashMap<>(settings.env());
    List<String> argv = new ArrayList<>();
    String exe;
    if (cmd.runAs() != null) {
      exe = resolve(settings.sudo() == null ? "sudo" : settings.sudo(), env, cmd.workingDir());
      if (exe == null) {
        return notStarted(
            "cannot run as " + cmd.runAs() + ": sudo not found (" + settings.sudo() + ")",
            startNanos);
      }
      String target = cmd.argv().get(0);
      if (target.contains("/") && Path.of(target).isAbsolute() && !Files.exists(Path.of(target))) {
        return notStarted("command not found: " + target, startNanos);
      }
      argv.addAll(List.of(exe, "-n", "-H", "-u", cmd.runAs(), "--", envBinary()));
      cmd.env().forEach((k, v) -> argv.add(k + "=" + v));
      argv.addAll(cmd.argv());
    } else {
      env.putAll(cmd.env());
      exe = resolve(cmd.argv().get(0), env, cmd.workingDir());
      if (exe == null) {
        return notStarted("command not found: " + cmd.argv().get(0), startNanos);
      }
      argv.add(exe);
      argv.addAll(cmd.argv().subList(1, cmd.argv().size()));
    }
    if (setsid != null) {
      argv.add(0, setsid);
    }

    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().clear();
    pb.environment().putAll(env);
    if (cmd.workingDir() != null) {
      pb.directory(cmd.workingDir().toFile());
    }
    Process process;
    try {
      process = pb.start();
    } catch (IOException | RuntimeException e) {
      return notStarted("could not start " + cmd.argv().get(0) + ": " + e.getMessage(), startNanos);
    }
    ctx.processStarted().accept(process.toHandle());
    return supervise(process, cmd, ctx, startNanos);
  }

  private Result supervise(Process process, Command cmd, ExecContext ctx, long startNanos) {
    ExecSettings settings = ctx.settings();
    OutputCapture capture = new OutputCapture(settings.outputTailBytes(), ctx.outputLines());
    Duration timeout = settings.commandTimeout();
    boolean hasDeadline = timeout != null && !timeout.isZero() && !timeout.isNegative();
    long deadline = hasDeadline ? startNanos + timeout.toNanos() : 0;
    InputStream in = process.getInputStream();
    byte[] buf = new byte[64 * 1024];
    Status status = Status.EXITED;
    long idleMillis = 1;
    boolean interrupted = false;

    while (true) {
      int read = readAvailable(in, buf, capture);
      if (read == 0 && !process.isAlive()) {
        break;
      }
      if (ctx.cancelled().getAsBoolean()) {
        status = Status.CANCELLED;
        break;
      }
      if (hasDeadline && System.nanoTime() - deadline > 0) {
        status = Status.TIMED_OUT;
        break;
      }
      if (read > 0) {
        idleMillis = 1;
        continue;
      }
      try {
        Thread.sleep(idleMillis);
      } catch (InterruptedException e) {
        interrupted = true;
        status = Status.CANCELLED;
        break;
      }
      idleMillis = Math.min(idleMillis * 2, 20);
    }

    if (status != Status.EXITED) {
      killTree(process);
    }
    // what the process wrote before it exited (or was killed) is still in the pipe
    long drained = 0;
    int n;
    while (drained < POST_EXIT_DRAIN_LIMIT && (n = readAvailable(in, buf, capture)) > 0) {
      drained += n;
    }
    capture.finish();
    closeQuietly(in);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }

    Duration duration = Duration.ofNanos(System.nanoTime() - startNanos);
    String output = capture.tail();
    switch (status) {
      case TIMED_OUT:
        return new Result(
            status,
            -1,
            output,
            capture.totalBytes(),
            duration,
            "timed out after "
                + Durations.format(settings.commandTimeout())
                + ": "
                + cmd.display()
                + " (process tree killed)");
      case CANCELLED:
        return new Result(
            status,
            -1,
            output,
            capture.totalBytes(),
            duration,
            "cancelled: " + cmd.display() + " (process tree killed)");
      default:
        break;
    }
    int exit = process.exitValue();
    String first = capture.firstLine();
    if (cmd.runAs() != null && exit == 1 && first != null && first.startsWith("sudo: ")) {
      return new Result(
          Status.NOT_STARTED,
          -1,
          output,
          capture.totalBytes(),
          duration,
          "could not run as " + cmd.runAs() + ": " + first);
    }
    return new Result(Status.EXITED, exit, output, capture.totalBytes(), duration, "");
  }

  /** Reads what can be read without blocking; returns the number of bytes read. */
  private static int readAvailable(InputStream in, byte[] buf, OutputCapture capture) {
    try {
      int avail = in.available();
      if (avail <= 0) {
        return 0;
      }
      int n = in.read(buf, 0, Math.min(avail, buf.length));
      if (n > 0) {
        capture.accept(buf, 0, n);
      }
      return Math.max(n, 0);
    } catch (IOException e) {
      // the stream was closed under us (the process exited and the JDK closed the pipe)
      return 0;
    }
  }

  /**
   * Kills the process, its descendants and its process group: SIGTERM, a grace period, then SIGKILL
   * for whatever is left. Descendants are collected before anything dies, since orphans are
   * re-parented and would no longer show up as descendants.
   */
  private void killTree(Process process) {
    long rootPid = process.pid();
    Set<ProcessHandle> targets = collectTree(process.toHandle(), rootPid);
    for (ProcessHandle h : targets) {
      h.destroy();
    }
    long graceEnd = System.nanoTime() + killGrace.toNanos();
    while (System.nanoTime() - graceEnd < 0
        && targets.stream().anyMatch(ProcessRunner::isRunning)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    targets.addAll(collectTree(process.toHandle(), rootPid));
    for (ProcessHandle h : targets) {
      if (isRunning(h)) {
        h.destroyForcibly();
      }
    }
    try {
      if (!process.waitFor(killGrace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        log.warn("process {} did not exit after SIGKILL", rootPid);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Set<ProcessHandle> collectTree(ProcessHandle root, long rootPid) {
    Set<ProcessHandle> all = new LinkedHashSet<>();
    all.add(root);
    root.descendants().forEach(all::add);
    if (setsid != null) {
      all.addAll(processGroup(rootPid));
    }
    return all;
  }

  /** Members of process group {@code pgid}, read from /proc (empty where there is no /proc). */
  static List<ProcessHandle> processGroup(long pgid) {
    List<ProcessHandle> members = new ArrayList<>();
    File[] entries = new File("/proc").listFiles();
    if (entries == null) {
      return members;
    }
    for (File e : entries) {
      String name = e.getName();
      if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
        continue;
      }
      String[] fields = procStatFields(Long.parseLong(name));
      // fields after "pid (comm)": state ppid pgrp ...
      if (fields != null && fields.length > 2 && fields[2].equals(Long.toString(pgid))) {
        ProcessHandle.of(Long.parseLong(name)).ifPresent(members::add);
      }
    }
    return members;
  }

  /** The fields of /proc/PID/stat after the command name, or null if the process is gone. */
  static String[] procStatFields(long pid) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      int close = stat.lastIndexOf(')');
      return close < 0 ? null : stat.substring(close + 1).trim().split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Alive and not a zombie (a killed orphan may stay a zombie where PID 1 does not reap). */
  static boolean isRunning(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    String[] fields = procStatFields(h.pid());
    if (fields == null) {
      return !Files.isDirectory(Path.of("/proc/self")) && h.isAlive();
    }
    return !(fields[0].equals("Z") || fields[0].equals("X"));
  }

  private static String envBinary() {
    return Files.isExecutable(Path.of("/usr/bin/env")) ? "/usr/bin/env" : "env";
  }

  /** Resolves an executable like execvp would, but in the child's PATH; null when not found. */
  static String resolve(String name, Map<String, String> env, Path workingDir) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      if (!p.isAbsolute() && workingDir != null) {
        p = workingDir.resolve(p);
      }
      return Files.isRegularFile(p) && Files.isExecutable(p) ? name : null;
    }
    String path = env.getOrDefault("PATH", DEFAULT_PATH);
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static Result notStarted(String message, long startNanos) {
    return new Result(
        Status.NOT_STARTED, -1, "", 0, Duration.ofNanos(System.nanoTime() - startNanos), message);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing more to read anyway
    }
  }
}

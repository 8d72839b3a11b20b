package dev.fluke.exec;

import dev.fluke.hcl.Durations;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Runs one command for an executor: argv in a working directory with an environment, optionally as
 * another user through {@code sudo}, output (stdout and stderr merged) streamed line by line to the
 * context and kept as a bounded tail. The one place where Fluke starts processes.
 *
 * <p>How it runs a command:
 *
 * <ul>
 *   <li>The environment is {@link ExecSettings#env()} plus the command's own variables, plus
 *       {@value #RUN_ID_VARIABLE}, a value unique to this run that the command's descendants
 *       inherit. The executable is looked up in that environment's {@code PATH} (not the agent's),
 *       so a missing binary is reported as such before anything starts. Standard input is {@code
 *       /dev/null}: nothing can wait for a prompt.
 *   <li>With {@code runAs}, the command becomes {@code sudo -n -H -u USER -- /usr/bin/env K=V…
 *       argv…}: sudo resets the environment, so the command's own variables (and the run's id) are
 *       passed explicitly through {@code env}; {@code -n} makes sudo fail instead of asking for a
 *       password. If sudo itself refuses (exit 1 with a first line starting {@code "sudo: "}), the
 *       command did not run: {@link Status#NOT_STARTED}.
 *   <li>A command with {@link Command#ownGroup()} (everything an apply runs) is started through
 *       {@code setsid} (when present), so that it leads its own session and process group (its
 *       process group id is its pid) and no terminal signal meant for the agent reaches it. Other
 *       commands (checks: read-only, and the hot path) are started directly, which spares one exec
 *       per check, and stay in the agent's process group.
 *   <li>On timeout or cancellation the whole tree is killed: the process, its descendants, every
 *       process that still carries the run's {@value #RUN_ID_VARIABLE} (which catches daemonised
 *       grandchildren, even those that left the process group with {@code setsid}) and, for a group
 *       leader, every member of its process group. The agent's own process group is never targeted.
 *       They get SIGTERM first (sudo relays it to the command it runs), then SIGKILL after a short
 *       grace.
 *   <li>The process's exit is noticed when it happens: the calling thread waits on the process (the
 *       JDK's reaper wakes it at exit), not on a timer. Output is read as it is available whenever
 *       the thread wakes: at once while the process keeps printing, and while it is quiet at most
 *       {@link #MAX_QUIET_WAIT} apart (that bounds how late a live line or a cancellation is
 *       noticed). It is never read with a blocking read: the JDK cannot interrupt a read on a
 *       process pipe, and a background child that keeps the pipe open after the command exited
 *       would hang the run (and the JDK's reaper thread, which drains the pipe at exit under the
 *       same lock). So there is no reader thread to leak, and once the command exits what it wrote
 *       is drained and the run is over.
 * </ul>
 *
 * <p>Blocking: callers run it on a dedicated dispatcher. Thread-safe and stateless apart from a run
 * counter; one instance may be shared by all executors.
 */
public final class ProcessRunner {
  private static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(2);
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final int POST_EXIT_DRAIN_LIMIT = 1 << 20;

  /**
   * The variable every command (and so every descendant that keeps its environment) carries, with a
   * value unique to the run: how a killed run's daemonised grandchildren are found.
   */
  public static final String RUN_ID_VARIABLE = "FLUKE_RUN_ID";

  /** The first wait for output of a quiet process; it doubles up to {@link #MAX_QUIET_WAIT}. */
  static final Duration MIN_QUIET_WAIT = Duration.ofMillis(1);

  /** The longest a running, quiet process goes without its output and cancellation looked at. */
  static final Duration MAX_QUIET_WAIT = Duration.ofMillis(20);

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
   * @param ownGroup start it through {@code setsid}: it leads its own session and process group
   *     (process group id = its pid), out of reach of the agent's terminal, and its group is killed
   *     with it. Executors ask for it for everything an apply runs; a check's commands (read-only,
   *     and what an agent runs most) are started directly, sparing an exec each.
   */
  public record Command(
      List<String> argv, Path workingDir, Map<String, String> env, String runAs, boolean ownGroup) {
    public Command {
      argv = List.copyOf(argv);
      if (argv.isEmpty()) {
        throw new IllegalArgumentException("empty argv");
      }
      env = env == null ? Map.of() : Map.copyOf(env);
      runAs = runAs == null || runAs.isBlank() ? null : runAs;
    }

    /** A command that leads its own process group. */
    public Command(List<String> argv, Path workingDir, Map<String, String> env, String runAs) {
      this(argv, workingDir, env, runAs, true);
    }

    public static Command of(String... argv) {
      return new Command(List.of(argv), null, Map.of(), null);
    }

    public static Command of(List<String> argv) {
      return new Command(argv, null, Map.of(), null);
    }

    public Command in(Path dir) {
      return new Command(argv, dir, env, runAs, ownGroup);
    }

    public Command withEnv(Map<String, String> more) {
      Map<String, String> merged = new LinkedHashMap<>(env);
      merged.putAll(more);
      return new Command(argv, workingDir, merged, runAs, ownGroup);
    }

    public Command as(String user) {
      return new Command(argv, workingDir, env, user, ownGroup);
    }

    /** The same command, leading its own process group or not (see {@link #ownGroup()}). */
    public Command withOwnGroup(boolean own) {
      return new Command(argv, workingDir, env, runAs, own);
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
  private final String runIdPrefix;
  private final AtomicLong runs = new AtomicLong();

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
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    this.runIdPrefix = ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random) + "-";
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

    String runId = runIdPrefix + runs.incrementAndGet();
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
      argv.add(RUN_ID_VARIABLE + "=" + runId);
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
    env.put(RUN_ID_VARIABLE, runId);
    boolean leader = cmd.ownGroup() && setsid != null;
    if (leader) {
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
    return supervise(process, new ProcessTree(process, leader, runId), cmd, ctx, startNanos);
  }

  private Result supervise(
      Process process, ProcessTree tree, Command cmd, ExecContext ctx, long startNanos) {
    ExecSettings settings = ctx.settings();
    OutputCapture capture = new OutputCapture(settings.outputTailBytes(), ctx.outputLines());
    Duration timeout = settings.commandTimeout();
    boolean hasDeadline = timeout != null && !timeout.isZero() && !timeout.isNegative();
    long deadline = hasDeadline ? startNanos + timeout.toNanos() : 0;
    PipeReader pipe = new PipeReader(process.getInputStream(), capture);
    Status status = Status.EXITED;
    long quietWait = MIN_QUIET_WAIT.toNanos();
    boolean interrupted = false;

    try {
      while (true) {
        int read = pipe.readAvailable();
        if (!process.isAlive()) {
          // what is left is drained below, bounded: a background child that goes on printing
          // must not keep the run going
          break;
        }
        if (ctx.cancelled().getAsBoolean()) {
          status = Status.CANCELLED;
          break;
        }
        long left = hasDeadline ? deadline - System.nanoTime() : Long.MAX_VALUE;
        if (left <= 0) {
          status = Status.TIMED_OUT;
          break;
        }
        if (read > 0) {
          quietWait = MIN_QUIET_WAIT.toNanos();
          continue;
        }
        // Returns the moment the process exits (the JDK's reaper notifies it); otherwise after
        // quietWait, to pick up output and look at the cancellation flag.
        process.waitFor(Math.min(quietWait, left), TimeUnit.NANOSECONDS);
        quietWait = Math.min(quietWait * 2, MAX_QUIET_WAIT.toNanos());
      }
    } catch (InterruptedException e) {
      interrupted = true;
      status = Status.CANCELLED;
    }

    if (status != Status.EXITED) {
      tree.kill(killGrace);
    }
    // what the process wrote before it exited (or was killed) may still be in the pipe
    long drained = 0;
    int n;
    while (drained < POST_EXIT_DRAIN_LIMIT && (n = pipe.readAvailable()) > 0) {
      drained += n;
    }
    capture.finish();
    pipe.close();
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

  /**
   * Reads a process's output without ever blocking on the pipe. The buffer is taken on the first
   * output and grows to 64 KiB for a command that prints a lot: a check that prints nothing
   * allocates nothing here.
   */
  private static final class PipeReader {
    private static final int FIRST_BUFFER = 8 * 1024;
    private static final int MAX_BUFFER = 64 * 1024;

    private final InputStream in;
    private final OutputCapture capture;
    private byte[] buf;

    PipeReader(InputStream in, OutputCapture capture) {
      this.in = in;
      this.capture = capture;
    }

    /** Reads what can be read without blocking; returns the number of bytes read. */
    int readAvailable() {
      try {
        int avail = in.available();
        if (avail <= 0) {
          return 0;
        }
        if (buf == null) {
          buf = new byte[avail <= FIRST_BUFFER ? FIRST_BUFFER : MAX_BUFFER];
        } else if (avail > buf.length && buf.length < MAX_BUFFER) {
          buf = new byte[MAX_BUFFER];
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

    void close() {
      try {
        in.close();
      } catch (IOException ignored) {
        // nothing more to read anyway
      }
    }
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
}

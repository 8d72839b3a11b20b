package dev.fluke.app.cli;

import dev.fluke.app.client.ApiClientException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code fluke} command: one binary for the server, the agent and the client (SPEC §6).
 *
 * <p>Exit codes: 0 success; 1 failure (server unreachable, not found, a reconcile with {@code
 * --wait} that failed, any {@link CliException}); 2 usage errors (unknown command or option, bad
 * value). {@code fluke plan} also exits 2 when the plan has changes (see {@link PlanCommand}).
 *
 * <p>Build the command line with {@link #commandLine}; the server-side commands join it in {@link
 * #serverSideCommands()}. Every command can reach the environment and clock through {@code
 * (FlukeCommand) spec.root().userObject()}, so tests can run commands in-process.
 *
 * <p>Start-up: picocli reads the annotations of every command it is given, and a command's classes
 * (Pekko, JGit, Logback behind the server-side ones) load with it. {@link #run} therefore gives it
 * only the command that was asked for when the first argument names one ({@link #commandLineFor});
 * the whole tree is built for everything else ({@code --help}, {@code help}, mistakes), so help and
 * "did you mean" stay complete. Before either, {@link DirectRun} runs the everyday questions
 * ({@code fluke get agents} ...) without picocli when their command line is plain.
 */
@Command(
    name = "fluke",
    description =
        "GitOps for ordinary hosts: a server reads manifests from Git, agents keep hosts in that state.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.Provider.class)
public final class FlukeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private final Map<String, String> env;
  private final Clock clock;

  private FlukeCommand(Map<String, String> env, Clock clock) {
    this.env = Map.copyOf(env);
    this.clock = clock;
  }

  /** The root of a command run without picocli ({@link DirectRun}). */
  static FlukeCommand root(Map<String, String> env, Clock clock) {
    return new FlukeCommand(env, clock);
  }

  /** The environment the command was started with (or the one a test gave it). */
  public Map<String, String> env() {
    return env;
  }

  public Clock clock() {
    return clock;
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  /** The client commands: they talk to a running server (and {@code version}). */
  private static List<Object> clientCommands() {
    return List.of(
        new GetCommand(),
        new DescribeCommand(),
        new ReconcileCommand(),
        new PlanCommand(),
        new AcceptCommand(),
        new SuspendCommand(),
        new ResumeCommand(),
        new RolloutCommand(),
        new LogsCommand(),
        new VersionCommand(),
        new CommandLine.HelpCommand());
  }

  /**
   * The commands that run Fluke itself rather than talk to a running server. Each is a picocli
   * {@code @Command} object; it is added beside get, describe, reconcile and version.
   *
   * <p>The lead's list: {@code server}, {@code agent}, {@code dev}, {@code validate}.
   */
  private static List<Object> serverSideCommands() {
    return List.of(
        new dev.fluke.app.ServerCommand(),
        new dev.fluke.app.AgentCommand(),
        new dev.fluke.app.DevCommand(),
        new ValidateCommand(),
        new dev.fluke.app.bench.BenchCommand(),
        new dev.fluke.app.bench.SimulatedAgentsCommand());
  }

  /** The commands {@link #commandLineFor} builds alone; {@code help} needs the whole tree. */
  static final Set<String> ALONE =
      Set.of(
          "get",
          "describe",
          "reconcile",
          "plan",
          "accept",
          "suspend",
          "resume",
          "rollout",
          "logs",
          "version",
          "validate",
          "server",
          "agent",
          "dev",
          "bench",
          "bench-agents");

  /** A new instance of the command named, one of {@link #ALONE}. */
  private static Object command(String name) {
    return switch (name) {
      case "get" -> new GetCommand();
      case "describe" -> new DescribeCommand();
      case "reconcile" -> new ReconcileCommand();
      case "plan" -> new PlanCommand();
      case "accept" -> new AcceptCommand();
      case "suspend" -> new SuspendCommand();
      case "resume" -> new ResumeCommand();
      case "rollout" -> new RolloutCommand();
      case "logs" -> new LogsCommand();
      case "version" -> new VersionCommand();
      case "validate" -> new ValidateCommand();
      case "server" -> new dev.fluke.app.ServerCommand();
      case "agent" -> new dev.fluke.app.AgentCommand();
      case "dev" -> new dev.fluke.app.DevCommand();
      case "bench" -> new dev.fluke.app.bench.BenchCommand();
      case "bench-agents" -> new dev.fluke.app.bench.SimulatedAgentsCommand();
      default -> throw new IllegalArgumentException("no command " + name);
    };
  }

  /**
   * The full command line, ready to {@code execute(args)}: client commands, {@link
   * #serverSideCommands()}, error handling (exit codes above), case-insensitive {@code -o} values.
   *
   * @param env environment variables (FLUKE_SERVER, FLUKE_API_TOKEN, ...)
   * @param clock the clock relative times ("12s ago") are computed against
   * @param moreCommands further subcommands (tests, embedding)
   */
  public static CommandLine commandLine(
      Map<String, String> env, Clock clock, Object... moreCommands) {
    CommandLine cli = new CommandLine(new FlukeCommand(env, clock));
    clientCommands().forEach(cli::addSubcommand);
    serverSideCommands().forEach(cli::addSubcommand);
    for (Object command : moreCommands) {
      cli.addSubcommand(command);
    }
    return configure(cli);
  }

  /**
   * The command line for {@code args}: when the first argument names a command of {@link #ALONE},
   * the root with that one command, so nothing the others need is loaded; otherwise {@link
   * #commandLine}. Both parse and run {@code args} the same way.
   */
  public static CommandLine commandLineFor(String[] args, Map<String, String> env, Clock clock) {
    if (args.length == 0 || !ALONE.contains(args[0])) {
      return commandLine(env, clock);
    }
    CommandLine cli = new CommandLine(new FlukeCommand(env, clock));
    cli.addSubcommand(command(args[0]));
    return configure(cli);
  }

  private static CommandLine configure(CommandLine cli) {
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(new OnFailure());
    return cli;
  }

  /**
   * Runs {@code fluke args} against the real environment, printing to stdout/stderr; returns the
   * exit code.
   */
  public static int run(String... args) {
    Map<String, String> env = System.getenv();
    Clock clock = Clock.systemUTC();
    int exit =
        DirectRun.run(
            args,
            env,
            clock,
            DirectRun.writer(System.out, "sun.stdout.encoding"),
            DirectRun.writer(System.err, "sun.stderr.encoding"));
    if (exit != DirectRun.NOT_PLAIN) {
      return exit;
    }
    return commandLineFor(args, env, clock).execute(args);
  }

  public static void main(String... args) {
    System.exit(run(args));
  }

  /**
   * {@link #onFailure} as a class of its own rather than a method reference: picocli's interfaces
   * are compiled for Java 5, and a lambda implementing one keeps it (and picocli classes using it)
   * out of the AppCDS archive.
   */
  private static final class OnFailure implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
      return onFailure(e, cli.getErr());
    }
  }

  /**
   * Failures the user can act on print {@code error: <message>}; anything else is a bug and also
   * prints its stack trace for the report.
   */
  static int onFailure(Exception e, PrintWriter err) {
    if (e instanceof CliException || e instanceof ApiClientException) {
      err.println("error: " + e.getMessage());
    } else if (e instanceof InterruptedException) {
      err.println("error: interrupted");
    } else {
      err.println("error: " + e);
      e.printStackTrace(err);
    }
    err.flush();
    return 1;
  }
}

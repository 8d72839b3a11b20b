package dev.fluke.app.bench;

import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.DurationConverter;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.exec.ExecSettings;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fluke bench agent}: what a check costs on a host. First, in this JVM, {@code --checks}
 * no-op {@code shell} checks through the real executor path against as many bare spawns of the same
 * shell ({@link CheckOverhead}): the per-check overhead. Then, unless {@code --no-agent}, a real
 * server (in this process, on loopback) and a real {@code fluke agent} process ({@link RealAgent}):
 * one task of {@code --checks} no-op checks, {@code POST /api/v1/reconcile} until the agent is idle
 * again, {@code --rounds} times; and the agent's resident memory and threads when idle.
 */
@Command(
    name = "agent",
    description = {
      "Measure what a check costs on this host: no-op shell checks through the real executor path",
      "against bare spawns from the same JVM, then a real server and a real agent process on loopback:",
      "POST /api/v1/reconcile until the agent is idle again, and the idle agent's RSS and threads."
    },
    mixinStandardHelpOptions = true)
public final class AgentBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--checks",
      defaultValue = "50",
      description =
          "No-op checks per round, and shell blocks in the task (default: ${DEFAULT-VALUE}).")
  int checks;

  @Option(
      names = "--rounds",
      defaultValue = "10",
      description = "Measured rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description = "Rounds run first and not measured (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--shell",
      defaultValue = "/bin/sh",
      description =
          "The checks' shell (the agent's default_shell); the bare spawns use it too"
              + " (default: ${DEFAULT-VALUE}, as Ansible's shell module and Puppet's shell provider;"
              + " agents default to /bin/bash).")
  String shell;

  @Option(
      names = "--launcher",
      paramLabel = "FILE",
      description =
          "Start the agent with this launcher (`FILE agent --config ...`, FLUKE_JAR set to this jar)."
              + " Default: the checkout's bin/fluke when running from its jar, else this JVM's java"
              + " with --agent-java-opts.")
  Path launcher;

  @Option(
      names = "--agent-java-opts",
      paramLabel = "OPTS",
      description =
          "JVM options for the agent (FLUKE_JAVA_OPTS for a launcher; default: the launcher's own).")
  String agentJavaOpts;

  @Option(
      names = "--check-concurrency",
      paramLabel = "N",
      description =
          "The agent's check_concurrency (agent.hcl execution block): how many of the task's checks"
              + " may run at the same time; 1 runs them one after the other (default: the agent's"
              + " own default, the cores, at most 4).")
  Integer checkConcurrency;

  @Option(
      names = "--no-agent",
      description = "Only the in-process figures: no server, no agent process.")
  boolean noAgent;

  @Option(
      names = "--settle",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description =
          "How long the agent sits idle before its RSS and threads are read (default: ${DEFAULT-VALUE}).")
  Duration settle;

  @Option(
      names = "--timeout",
      defaultValue = "3m",
      converter = DurationConverter.class,
      description = "Give up when a step takes longer than this (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    if (checks < 1 || rounds < 1 || warmup < 0) {
      throw new ParameterException(
          spec.commandLine(), "--checks and --rounds must be at least 1, --warmup at least 0");
    }
    if (checkConcurrency != null
        && (checkConcurrency < 1 || checkConcurrency > ExecSettings.MAX_CHECK_CONCURRENCY)) {
      throw new ParameterException(
          spec.commandLine(),
          "--check-concurrency must be from 1 to " + ExecSettings.MAX_CHECK_CONCURRENCY);
    }
    if (!Files.isExecutable(Path.of(shell))) {
      throw new ParameterException(spec.commandLine(), "--shell " + shell + " is not executable");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> env = ((FlukeCommand) spec.root().userObject()).env();
    Path state = Files.createTempDirectory("fluke-bench-agent-exec-");
    try {
      ExecSettings settings =
          new ExecSettings(
              shell, Duration.ofMinutes(5), 16_384, env, "systemctl", "mise", "sudo", state);
      out.printf(
          "fluke bench agent: %d no-op shell checks (%s -c true), %d rounds after %d warm-up;"
              + " %d core(s), load %.2f, Java %s, launch mechanism %s%n",
          checks,
          shell,
          rounds,
          warmup,
          Runtime.getRuntime().availableProcessors(),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
          System.getProperty("java.version"),
          launchMechanism());
      out.flush();
      CheckOverhead.Figures f = new CheckOverhead(settings).measure(checks, rounds, warmup);
      out.printf(
          "  bare spawn from this JVM                   %7.3f ms per spawn (median; best round %.3f)%n",
          f.spawnMillis(), f.minSpawnMillis());
      out.printf(
          "  no-op check through the shell executor     %7.3f ms per check (median; best round %.3f)%n",
          f.checkMillis(), f.minCheckMillis());
      out.printf(
          "  per-check overhead over the spawn          %7.3f ms (median of the rounds' differences)%n",
          f.overheadMillis());
      out.flush();
      if (noAgent) {
        return 0;
      }
      RealAgent.Figures a =
          new RealAgent(checks, shell, agentCommand(), timeout, settle, err, checkConcurrency)
              .measure(rounds, warmup);
      out.printf(
          "  agent's check_concurrency                  %s%n",
          checkConcurrency == null
              ? "its default (" + ExecSettings.defaultCheckConcurrency() + " on this host)"
              : checkConcurrency);
      out.printf(
          "  reconcile -> agent idle, %d checks          %7.1f ms (median of %d; min %.1f, max %.1f)%n",
          checks, a.medianMillis(), rounds, a.minMillis(), a.maxMillis());
      out.printf(
          "  the same checks from a shell loop          %7.1f ms (median, timed before each round)%n",
          a.floorMillis());
      out.printf(
          "  reconcile -> idle over the shell loop      %7.1f ms (median of the rounds' differences)%n",
          a.overFloorMillis());
      out.printf(
          "  agent's CPU per reconcile                  %7.1f ms (%.2f ms per check; JIT %.1f ms"
              + " more)%n",
          a.cpu().ownMillis(), a.cpu().ownMillis() / checks, a.cpu().jitMillis());
      out.printf(
          "  its checks' processes' CPU per reconcile   %7.1f ms (%.2f ms per check)%n",
          a.cpu().childrenMillis(), a.cpu().childrenMillis() / checks);
      out.printf(
          "  idle agent after connecting                RSS %.1f MiB, %d threads%n",
          a.connected().rssMiB(), a.connected().threads());
      out.printf(
          "  idle agent after the rounds                RSS %.1f MiB, %d threads%n",
          a.afterRounds().rssMiB(), a.afterRounds().threads());
      out.printf("  agent started as                           %s%n", a.command());
      out.flush();
      return 0;
    } finally {
      RealAgent.deleteTree(state);
    }
  }

  /**
   * The launch mechanism this JVM uses for processes ({@code jdk.lang.Process.launchMechanism}).
   */
  static String launchMechanism() {
    String m = System.getProperty("jdk.lang.Process.launchMechanism");
    return m == null || m.isBlank() ? "POSIX_SPAWN (the JDK's default)" : m.toUpperCase();
  }

  private RealAgent.Command agentCommand() {
    Path jar = RealAgent.runningJar();
    Path chosen = launcher;
    if (chosen == null && jar != null) {
      chosen = RealAgent.checkoutLauncher(jar);
    }
    if (chosen != null && !Files.isExecutable(chosen)) {
      throw new CliException("--launcher " + chosen + " is not executable");
    }
    return chosen != null
        ? RealAgent.Command.launcher(chosen, jar, agentJavaOpts)
        : RealAgent.Command.java(agentJavaOpts);
  }
}

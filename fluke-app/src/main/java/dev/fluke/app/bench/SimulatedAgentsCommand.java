package dev.fluke.app.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.AgentRuntime;
import dev.fluke.agent.AgentSettings;
import dev.fluke.agent.actor.Actors;
import dev.fluke.app.cli.VersionInfo;
import dev.fluke.exec.Executor;
import dev.fluke.grpc.GrpcServerConnector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fluke bench-agents} (hidden): many simulated agents in one process, for {@code fluke
 * bench}, which starts it as a child process so the server's own memory and file descriptors are
 * measured apart. Each agent is the real agent runtime (connection, reconnects, heartbeats, the
 * protocol) over real loopback gRPC, with a {@link SimulatedShell} in place of processes. Agents
 * start at {@code --connect-rate} per second; the process ends when its standard input closes (its
 * parent went away) or after {@code --max-time}, printing {@code checks=N applies=N}.
 */
@Command(
    name = "bench-agents",
    hidden = true,
    description = "Simulated agents for fluke bench (internal).")
public final class SimulatedAgentsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** The server's URL; repeated for a cluster's nodes (as an agent's {@code server_urls}). */
  @Option(names = "--server", required = true)
  List<String> servers;

  @Option(names = "--token", required = true)
  String token;

  @Option(names = "--first", defaultValue = "0")
  int first;

  @Option(names = "--count", required = true)
  int count;

  /**
   * The server's certificate for {@code grpcs://} (a self-signed one in {@code fluke bench server
   * --tls}).
   */
  @Option(names = "--ca-file")
  java.nio.file.Path caFile;

  @Option(names = "--drift", defaultValue = "0.05")
  double drift;

  @Option(names = "--connect-rate", defaultValue = "500")
  int connectRate;

  @Option(
      names = "--max-time",
      defaultValue = "30m",
      converter = dev.fluke.app.cli.DurationConverter.class)
  Duration maxTime;

  /** Where every simulated apply's start and end is written (see {@link SimulatedShell}). */
  @Option(names = "--apply-log")
  java.nio.file.Path applyLog;

  /**
   * Threads for the agents' blocking work (shared by all agents of this process): slow simulated
   * applies ({@code sleep N}) each hold one, so many at once need more than the default.
   */
  @Option(names = "--blocking-threads")
  Integer blockingThreads;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Config config = ConfigFactory.load();
    // One runtime for every simulated agent: its actors on a pool the size of the machine, the
    // agents' blocking work on fluke.agent.threads.blocking threads (or --blocking-threads).
    Actors system =
        Actors.create(
            "fluke-bench-agents",
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            blockingThreads != null
                ? blockingThreads
                : AgentSettings.Threads.read(config).blocking());
    PrintWriter log =
        applyLog == null
            ? null
            : new PrintWriter(
                Files.newBufferedWriter(
                    applyLog, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    SimulatedShell.Counters counters = new SimulatedShell.Counters(log);
    List<AgentRuntime> agents = new ArrayList<>(count);
    try {
      GrpcServerConnector.Client client = GrpcServerConnector.Client.of(config, system.scheduler());
      List<GrpcServerConnector> connectors =
          servers.stream()
              .map(
                  server ->
                      new GrpcServerConnector(
                          client, server, token, java.util.Optional.ofNullable(caFile), false))
              .toList();
      // Read once: the configuration and version are the same for every simulated agent.
      AgentSettings base =
          AgentSettings.create(config).withVersion(VersionInfo.current().version());
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        String name = BenchCommand.agentName(first + i);
        AgentSettings settings =
            base.withName(name)
                .withLabels(Map.of("role", "bench", "bench_group", "g" + ((first + i) % 10)));
        Map<String, Executor> executors =
            Map.of("shell", new SimulatedShell(name, drift, counters));
        agents.add(AgentRuntime.start(system, settings, connectors, executors));
        // Paced, so the server sees a rate of new connections, not one burst of thousands.
        long due = start + (long) ((i + 1) * 1e9 / connectRate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      out.println("started " + count);
      out.flush();
      awaitParentOrTimeout();
    } finally {
      out.println(
          "checks="
              + counters.checks.sum()
              + " applies="
              + counters.applies.sum()
              + " applies_ended="
              + counters.appliesEnded.sum());
      out.flush();
      // Every agent drains (its running apply reported) and stops, as on SIGTERM; then the runtime.
      try {
        CompletableFuture.allOf(
                agents.stream()
                    .map(a -> a.shutdown().toCompletableFuture())
                    .toArray(CompletableFuture[]::new))
            .get(30, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        out.println("some agents did not stop within 30 s");
      }
      system.terminate().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (log != null) {
        log.close();
      }
    }
    return 0;
  }

  /**
   * Returns when standard input ends (the parent closed it or died) or {@code --max-time} passed.
   */
  private void awaitParentOrTimeout() throws InterruptedException {
    Thread reader =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // nothing to read: the parent only ever closes it
                }
              } catch (IOException e) {
                // the same as closed
              }
            },
            "bench-agents-stdin");
    reader.setDaemon(true);
    reader.start();
    reader.join(maxTime.toMillis());
  }
}

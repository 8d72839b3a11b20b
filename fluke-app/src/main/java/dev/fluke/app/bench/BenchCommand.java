package dev.fluke.app.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.app.ServerNode;
import dev.fluke.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fluke bench}: a fleet on this machine, measured. A real server (in this process, in-memory
 * events, a local manifest repo of generated tasks) and {@code --agents} simulated agents in child
 * processes ({@code fluke bench-agents}: the real agent runtime over loopback gRPC, with an
 * in-memory host instead of processes). It prints how long the fleet takes to connect and finish
 * its first cycle, the server's heap and threads per agent, how fast the API answers with the whole
 * fleet, and how long a new commit takes to reach every agent (paced by {@code
 * fluke.server.rollout}). Everything is on 127.0.0.1, bounded by {@code --timeout}, and stopped at
 * the end.
 */
@Command(
    name = "bench",
    description = {
      "Measure a simulated fleet on this machine: a real server and N simulated agents over loopback gRPC.",
      "Prints connect and cycle times, server heap and threads per agent, API latency and commit rollout time."
    },
    subcommands = {AgentBenchCommand.class, ServerCostsCommand.class},
    mixinStandardHelpOptions = true)
public final class BenchCommand implements Callable<Integer> {
  private static final PersonIdent AUTHOR = new PersonIdent("Fluke bench", "bench@fluke.invalid");

  /**
   * Agents per child process: each agent is one socket in the child and one in the server, so
   * 10,000 fit a common 20,000 open-files limit on both sides.
   */
  static final int AGENTS_PER_PROCESS = 10_000;

  @Spec CommandSpec spec;

  @Mixin FleetOptions fleet = new FleetOptions();

  @Option(
      names = "--drift",
      defaultValue = "0.05",
      description =
          "Share of (agent, block) pairs that start drifted, and that a new commit drifts (default: ${DEFAULT-VALUE}).")
  double drift;

  @Option(
      names = "--connect-rate",
      defaultValue = "500",
      description = "New agent connections per second (default: ${DEFAULT-VALUE}).")
  int connectRate;

  @Option(
      names = "--rollout-rate",
      description = "fluke.server.rollout.per-second for this run (default: the server's, 100).")
  Double rolloutRate;

  @Option(
      names = "--nodes",
      defaultValue = "1",
      description =
          "Server nodes: with --kill-node, N real fluke server processes in a cluster on loopback.")
  int nodes;

  @Option(
      names = "--kill-node",
      description =
          "Cluster failover (needs --nodes 3+): kill -9 a node, kill -STOP one, kill the Git singleton's node, restart every node in turn under load, restart a node empty; times per agent, lost/duplicate results and alerts, time until the restarted node holds its share.")
  boolean killNode;

  @Option(
      names = "--phases",
      defaultValue = "a,b,c,d,e",
      description =
          "With --kill-node: which phases run, comma-separated: a (kill -9), b (kill -STOP), c (Git singleton's node killed), d (rolling restart under load), e (a node restarted empty gets its share) (default: ${DEFAULT-VALUE}).")
  String phases;

  @Option(
      names = "--keep",
      description =
          "With --kill-node: keep the run's directory (the nodes' logs and data dirs, the agents' apply logs) and print where it is, instead of deleting it.")
  boolean keep;

  @Option(
      names = "--no-cluster",
      description =
          "With --kill-node --phases a: nodes without a cluster block (independent servers that the agents fail over between, no agent directory): what the same kill -9 costs without the cluster, for comparison.")
  boolean noCluster;

  @Option(
      names = "--server-java-opts",
      defaultValue = "",
      description =
          "With --kill-node: JVM options for the server nodes, separated by spaces (e.g. \"-XX:TieredStopAtLevel=1\"), as FLUKE_JAVA_OPTS gives them to bin/fluke server.")
  String serverJavaOpts;

  @Option(
      names = "--agents-java-opts",
      defaultValue = "",
      description =
          "JVM options for the simulated agents' processes, separated by spaces (e.g. \"-XX:TieredStopAtLevel=1\", the JIT setting bin/fluke gives a real agent).")
  String agentsJavaOpts;

  /** A space-separated option string as a list of JVM options. */
  static List<String> javaOpts(String spaced) {
    return List.of(spaced.trim().split("\\s+")).stream().filter(o -> !o.isEmpty()).toList();
  }

  /** API questions during the run that the server did not answer within its ask timeout. */
  private int apiTimeouts;

  /** The name of simulated agent {@code i}. */
  static String agentName(int i) {
    return String.format("bench-%05d", i);
  }

  @Override
  public Integer call() throws Exception {
    if (!fleet.valid() || connectRate < 1 || drift < 0 || drift > 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--agents, --tasks, --executors and --connect-rate must be at least 1, --drift from 0 to 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (killNode || nodes > 1) { // docs/cluster.md "Failure modes"
      return new ClusterBench(
              nodes,
              fleet.agents,
              connectRate,
              fleet.timeout,
              ClusterBench.phases(phases),
              keep,
              noCluster,
              javaOpts(serverJavaOpts),
              javaOpts(agentsJavaOpts),
              out,
              err)
          .run();
    }
    Path home = Files.createTempDirectory("fluke-bench-");
    Path repo = home.resolve("manifests");
    commit(repo, manifests("v1"), "bench manifests v1");
    String token = HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(16));

    Config config = ConfigFactory.load();
    if (rolloutRate != null) {
      config =
          ConfigFactory.parseString("fluke.server.rollout.per-second = " + rolloutRate)
              .withFallback(config);
    }
    double rollout = config.getDouble("fluke.server.rollout.per-second");
    int immediate = config.getInt("fluke.server.rollout.immediate");
    List<Process> children = new ArrayList<>();
    Report report = new Report();
    ServerNode server = ServerNode.start(serverConfig(home, repo, token, 0, 0), config);
    try {
      FleetApi api = server.fleetApi();
      await("the manifests to load", () -> api.manifest(), m -> m.commit() != null);
      Usage before = Usage.now();

      Instant start = Instant.now();
      for (int first = 0; first < fleet.agents; first += AGENTS_PER_PROCESS) {
        int count = Math.min(AGENTS_PER_PROCESS, fleet.agents - first);
        children.add(
            startAgents(server.grpcPort(), token, first, count, home.resolve("agents-" + first)));
      }
      err.printf("bench: %d agents connecting at %d/s ...%n", fleet.agents, connectRate);
      err.flush();
      report.connect = fleetUp(api, start, "all agents to connect");
      awaitCycled("every agent's first cycle", api, start);
      report.firstCycle = Duration.between(start, Instant.now());
      Usage with = Usage.now();
      report.heapPerAgent = (with.heap - before.heap) / (double) fleet.agents;
      report.threadsBefore = before.threads;
      report.threadsWith = with.threads;
      report.heapWith = with.heap;

      report.apiAgents = timed(api::agents);
      report.apiTasks = timed(api::tasks);
      report.apiDrift = timed(api::drift);
      report.httpAgents = timedHttp(server.httpPort(), "/api/v1/agents");

      err.printf(
          "bench: committing new manifests; rollout of %d agents at once, then %.0f/s ...%n",
          immediate, rollout);
      err.flush();
      commit(repo, manifests("v2"), "bench manifests v2");
      Instant committed = Instant.now();
      server.server().fetchNow();
      awaitCycled("the new commit to reach every agent", api, committed);
      report.commitRollout = Duration.between(committed, Instant.now());
      report.rolloutFloor =
          fleet.agents <= immediate
              ? Duration.ZERO
              : Duration.ofMillis((long) ((fleet.agents - immediate) * 1000 / rollout));

      // SPEC 5: after a server restart the agents come back by themselves and the fleet's state is
      // known again within one cycle.
      err.printf("bench: restarting the server (same ports) ...%n");
      err.flush();
      int grpcPort = server.grpcPort();
      int httpPort = server.httpPort();
      server.close();
      Instant restarted = Instant.now();
      server = ServerNode.start(serverConfig(home, repo, token, grpcPort, httpPort), config);
      FleetApi again = server.fleetApi();
      report.reconnect = fleetUp(again, restarted, "all agents to reconnect after the restart");
      awaitCycled("every agent's cycle after the restart", again, restarted);
      report.knownAgain = Duration.between(restarted, Instant.now());

      // The agents go first, while the server still answers them.
      for (int i = 0; i < children.size(); i++) {
        report.childCounters.add(
            stop(children.get(i), home.resolve("agents-" + i * AGENTS_PER_PROCESS)));
      }
    } finally {
      children.forEach(Process::destroyForcibly); // no-op for those already stopped
      server.close();
      deleteTree(home);
    }
    print(out, report, immediate, rollout);
    return 0;
  }

  // ---- the fleet ----

  private String manifests(String version) {
    StringBuilder hcl = new StringBuilder("# generated by fluke bench\n");
    for (int t = 0; t < fleet.tasks; t++) {
      hcl.append("task \"bench_")
          .append(t)
          .append("\" {\n")
          .append("  description = \"benchmark task ")
          .append(t)
          .append("\"\n")
          .append("  selector { match_labels = { role = \"bench\" } }\n");
      for (int e = 0; e < fleet.executors; e++) {
        String file = "/bench/" + t + "/" + e + "/" + version;
        hcl.append("  shell \"step_")
            .append(e)
            .append("\" {\n")
            .append("    check   = \"test -f ")
            .append(file)
            .append("\"\n")
            .append("    command = \"touch ")
            .append(file)
            .append("\"\n")
            .append("  }\n");
      }
      hcl.append("}\n\n");
    }
    return hcl.toString();
  }

  /** The commit id of the repository's HEAD. */
  static String head(Path repo) throws IOException {
    try (Git git = Git.open(repo.toFile())) {
      return git.getRepository().resolve("HEAD").name();
    }
  }

  static void commit(Path repo, String content, String message)
      throws IOException, GitAPIException {
    boolean exists = Files.isDirectory(repo.resolve(".git"));
    try (Git git =
        exists
            ? Git.open(repo.toFile())
            : Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("bench.fluke.hcl"), content);
      git.add().addFilepattern(".").call();
      git.commit().setMessage(message).setAuthor(AUTHOR).setCommitter(AUTHOR).setSign(false).call();
    }
  }

  private static ServerConfig serverConfig(
      Path home, Path repo, String token, int grpcPort, int httpPort) {
    Duration quiet = Duration.ofHours(1); // no polling or interval cycles of its own during the run
    return ServerNode.loopbackConfig(
        home.resolve("server"), repo, grpcPort, httpPort, token, quiet, quiet, 100);
  }

  /** Starts a simulator process; its output goes to {@code logs}{@code .out} / {@code .err}. */
  private Process startAgents(int grpcPort, String token, int first, int count, Path logs)
      throws IOException {
    return SimulatorProcess.start(
        List.of("grpc://127.0.0.1:" + grpcPort),
        token,
        first,
        count,
        fleet.agents,
        drift,
        connectRate,
        fleet.timeout.multipliedBy(4),
        List.of(),
        javaOpts(agentsJavaOpts),
        logs);
  }

  /**
   * Closes the child's stdin (it then stops by itself), waits for it and returns the {@code
   * checks=.. applies=..} line it printed last.
   */
  private static String stop(Process child, Path logs) {
    try {
      child.getOutputStream().close();
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
      try (var lines =
          Files.lines(logs.resolveSibling(logs.getFileName() + ".out"), StandardCharsets.UTF_8)) {
        return lines.filter(l -> l.startsWith("checks=")).reduce((a, b) -> b).orElse("");
      }
    } catch (IOException | java.io.UncheckedIOException | InterruptedException e) {
      child.destroyForcibly();
      return "";
    }
  }

  // ---- measuring ----

  private static long connected(List<Dto.AgentSummary> list) {
    return list.stream().filter(Dto.AgentSummary::connected).count();
  }

  /** Waits until every agent is connected and idle after a cycle that ended after {@code since}. */
  private void awaitCycled(String what, FleetApi api, Instant since) throws Exception {
    await(what, api::agents, list -> cycledSince(list, since) == fleet.agents);
  }

  /** Connected agents idle after a cycle that ended after {@code since}. */
  static long cycledSince(List<Dto.AgentSummary> list, Instant since) {
    return list.stream()
        .filter(
            a ->
                a.connected()
                    && a.lastCycleEndedAt() != null
                    && a.lastCycleEndedAt().isAfter(since)
                    && a.cycle() == CyclePhase.IDLE)
        .count();
  }

  /** Waits until every agent is connected; the time it took from {@code since}. */
  private Duration fleetUp(FleetApi api, Instant since, String what) throws Exception {
    await(
        what,
        api::agents,
        list -> connected(list) == fleet.agents,
        list -> connected(list) + "/" + fleet.agents + " connected");
    return Duration.between(since, Instant.now());
  }

  private <T> T await(
      String what, java.util.function.Supplier<CompletionStage<T>> ask, Predicate<T> done)
      throws Exception {
    return await(what, ask, done, v -> "waiting");
  }

  /** Polls until {@code done}; says how far it got every 5 s on stderr. */
  private <T> T await(
      String what,
      java.util.function.Supplier<CompletionStage<T>> ask,
      Predicate<T> done,
      java.util.function.Function<T, String> progress)
      throws Exception {
    long deadline = System.nanoTime() + fleet.timeout.toNanos();
    long nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      T value;
      try {
        value = ask.get().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException busy) {
        // The server did not answer within its API timeout: that is a finding, not the end of the
        // run.
        apiTimeouts++;
        if (System.nanoTime() > deadline) {
          throw fleet.gaveUp(what);
        }
        Thread.sleep(1000);
        continue;
      }
      if (done.test(value)) {
        return value;
      }
      if (System.nanoTime() > nextNote) {
        spec.commandLine()
            .getErr()
            .println("bench: " + progress.apply(value) + " (waiting for " + what + ")");
        spec.commandLine().getErr().flush();
        nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      }
      if (System.nanoTime() > deadline) {
        throw fleet.gaveUp(what);
      }
      Thread.sleep(200);
    }
  }

  /** Median of 7 calls, after 2 to warm up. */
  private static Duration timed(java.util.function.Supplier<? extends CompletionStage<?>> call)
      throws Exception {
    long[] nanos = new long[7];
    for (int i = -2; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      call.get().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(nanos);
    return Duration.ofNanos(nanos[nanos.length / 2]);
  }

  private static Duration timedHttp(int port, String path) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build();
    return timed(
        () ->
            http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(
                    r -> {
                      if (r.statusCode() != 200) {
                        throw new IllegalStateException(
                            "GET " + path + " answered " + r.statusCode());
                      }
                      return r.body().length;
                    }));
  }

  /** Used heap after a full collection, and live threads, of this (the server's) process. */
  private record Usage(long heap, int threads) {
    static Usage now() throws InterruptedException {
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(200);
      }
      Runtime r = Runtime.getRuntime();
      return new Usage(
          r.totalMemory() - r.freeMemory(), ManagementFactory.getThreadMXBean().getThreadCount());
    }
  }

  private static final class Report {
    Duration connect;
    Duration firstCycle;
    double heapPerAgent;
    long heapWith;
    int threadsBefore;
    int threadsWith;
    Duration apiAgents;
    Duration apiTasks;
    Duration apiDrift;
    Duration httpAgents;
    Duration commitRollout;
    Duration rolloutFloor;
    Duration reconnect;
    Duration knownAgain;
    final List<String> childCounters = new ArrayList<>();
  }

  private void print(PrintWriter out, Report r, int immediate, double rollout) {
    Runtime rt = Runtime.getRuntime();
    out.printf(
        "fluke bench: %d agents, %d tasks x %d shell blocks, drift %.0f%%, %d core(s), max heap %d MiB, Java %s%n",
        fleet.agents,
        fleet.tasks,
        fleet.executors,
        drift * 100,
        rt.availableProcessors(),
        rt.maxMemory() >> 20,
        System.getProperty("java.version"));
    out.printf(
        "  connect (all agents registered, paced at %d/s)   %s%n", connectRate, secs(r.connect));
    out.printf("  first cycle done on every agent (from start)     %s%n", secs(r.firstCycle));
    out.printf(
        "  server heap per connected agent                  %.1f KiB (%d MiB in use with the fleet)%n",
        r.heapPerAgent / 1024, r.heapWith >> 20);
    out.printf(
        "  server threads                                   %d without agents, %d with %d agents%n",
        r.threadsBefore, r.threadsWith, fleet.agents);
    out.printf(
        "  API, in process: agents / tasks / drift          %s / %s / %s (median of 7)%n",
        millis(r.apiAgents), millis(r.apiTasks), millis(r.apiDrift));
    out.printf(
        "  HTTP GET /api/v1/agents (JSON)                   %s (median of 7)%n",
        millis(r.httpAgents));
    out.printf(
        "  new commit checked by every agent                %s (rollout: %d at once, then %.0f/s: at least %s)%n",
        secs(r.commitRollout), immediate, rollout, secs(r.rolloutFloor));
    out.printf(
        "  server restart: every agent back / cycled again  %s / %s%n",
        secs(r.reconnect), secs(r.knownAgain));
    out.printf("  API questions not answered in time (polling)    %d%n", apiTimeouts);
    out.printf(
        "  simulated hosts                                  %s%n",
        String.join("; ", r.childCounters));
    out.flush();
  }

  private static String secs(Duration d) {
    return String.format("%.1f s", d.toMillis() / 1000.0);
  }

  private static String millis(Duration d) {
    return String.format("%.1f ms", d.toNanos() / 1e6);
  }

  static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind is harmless
    }
  }
}

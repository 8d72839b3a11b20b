package dev.fluke.app.bench;

import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.app.ChildJvm;
import dev.fluke.app.ServerNode;
import dev.fluke.app.cli.CliException;
import dev.fluke.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The end-to-end part of {@code fluke bench agent}: a real server in this JVM (in-memory events, a
 * local manifest repository holding one task of {@code checks} no-op {@code shell} blocks) and a
 * real {@code fluke agent} process dialing it over loopback gRPC. A round is {@code POST
 * /api/v1/reconcile} for the agent, then waiting until the server sees the agent idle again; its
 * time runs from just before the POST to the server's {@code last_cycle_ended_at} (the same clock:
 * the server runs in this JVM), so how often the bench looks does not change the figure. The
 * agent's RSS and threads are read from {@code /proc} once it has been idle for {@code settle}.
 */
final class RealAgent {
  private static final PersonIdent AUTHOR = new PersonIdent("Fluke bench", "bench@fluke.invalid");
  static final String NAME = "bench-agent";

  /** How the agent process is started. */
  record Command(List<String> argv, Map<String, String> env) {
    /**
     * {@code launcher agent --config FILE} with {@code FLUKE_JAR} (and {@code FLUKE_JAVA_OPTS}).
     */
    static Command launcher(Path launcher, Path jar, String javaOpts) {
      Map<String, String> env = new LinkedHashMap<>();
      if (jar != null) {
        env.put("FLUKE_JAR", jar.toString());
      }
      if (javaOpts != null) {
        env.put("FLUKE_JAVA_OPTS", javaOpts);
      }
      return new Command(List.of(launcher.toString()), env);
    }

    /** This JVM's java and class path, with {@code javaOpts}. */
    static Command java(String javaOpts) {
      List<String> options =
          javaOpts == null || javaOpts.isBlank()
              ? List.of()
              : Arrays.asList(javaOpts.strip().split("\\s+"));
      return new Command(List.copyOf(ChildJvm.command(options)), Map.of());
    }

    String display() {
      StringBuilder s = new StringBuilder();
      env.forEach((k, v) -> s.append(k).append("='").append(v).append("' "));
      List<String> shown = new ArrayList<>(argv);
      int cp = shown.indexOf("-cp");
      if (cp >= 0 && cp + 1 < shown.size() && shown.get(cp + 1).length() > 60) {
        shown.set(cp + 1, "<this class path>");
      }
      return s + String.join(" ", shown) + " agent --config agent.hcl";
    }
  }

  /**
   * The agent's CPU milliseconds per reconcile over the measured rounds, from /proc/PID/stat: its
   * own (without its JIT compiler threads), its JIT compilers', and its children's (the checks'
   * processes it waited for). Unlike wall times, these barely move with what else the cores run.
   */
  record Cpu(double ownMillis, double jitMillis, double childrenMillis) {
    /**
     * Cumulative CPU nanoseconds of a process at one moment: its own, its JIT's, its children's.
     */
    record Reading(long own, long jit, long children) {
      static Reading of(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return new Reading(
            ServerCpu.cpuNanos(stat),
            ServerCpu.compilerThreadsNanos(Long.toString(pid)),
            ServerCpu.childrenCpuNanos(stat));
      }
    }

    static Cpu perRound(Reading before, Reading after, int rounds) {
      long jit = Math.max(0, after.jit() - before.jit());
      return new Cpu(
          (after.own() - before.own() - jit) / 1e6 / rounds,
          jit / 1e6 / rounds,
          (after.children() - before.children()) / 1e6 / rounds);
    }
  }

  /** Resident memory and threads of a process, from /proc/PID/status. */
  record Usage(double rssMiB, int threads) {
    static Usage of(long pid) throws IOException {
      double rss = -1;
      int threads = -1;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
        }
      }
      return new Usage(rss, threads);
    }
  }

  /**
   * @param medianMillis reconcile -> idle, median over the rounds ({@code min}, {@code max} alike)
   * @param floorMillis the same number of no-op checks from a shell loop ({@code shell -c "while
   *     ...; do shell -c true; done"}), timed right before each round: median
   * @param overFloorMillis median of the rounds' differences, reconcile -> idle minus that loop
   * @param cpu the agent's CPU over the measured rounds
   */
  record Figures(
      double medianMillis,
      double minMillis,
      double maxMillis,
      double floorMillis,
      double overFloorMillis,
      Cpu cpu,
      Usage connected,
      Usage afterRounds,
      String command) {}

  private final int checks;
  private final String shell;
  private final Command command;
  private final Duration timeout;
  private final Duration settle;
  private final PrintWriter err;
  private final Integer checkConcurrency;

  /**
   * @param checkConcurrency the agent's {@code check_concurrency}; null: the agent's default
   */
  RealAgent(
      int checks,
      String shell,
      Command command,
      Duration timeout,
      Duration settle,
      PrintWriter err,
      Integer checkConcurrency) {
    this.checkConcurrency = checkConcurrency;
    this.checks = checks;
    this.shell = shell;
    this.command = command;
    this.timeout = timeout;
    this.settle = settle;
    this.err = err;
  }

  Figures measure(int rounds, int warmup) throws Exception {
    Path home = Files.createTempDirectory("fluke-bench-agent-");
    Path repo = home.resolve("manifests");
    commit(repo, manifest());
    String token = HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(16));
    Duration quiet = Duration.ofHours(1); // no polling or interval cycles during the run
    ServerConfig config =
        ServerNode.loopbackConfig(home.resolve("server"), repo, 0, 0, token, quiet, quiet, 100);
    Process agent = null;
    try (ServerNode server = ServerNode.start(config, ConfigFactory.load())) {
      FleetApi api = server.fleetApi();
      await(
          "the manifests to load",
          () -> api.manifest().toCompletableFuture().get(),
          m -> m.commit() != null);
      Path hcl = home.resolve("agent.hcl");
      Files.writeString(hcl, agentHcl(server.grpcPort(), token, home.resolve("agent-state")));
      agent = start(hcl, home);
      Process running = agent;
      err.printf("bench: agent process %d started, waiting for its first cycle ...%n", agent.pid());
      err.flush();
      await(
          "the agent's first cycle",
          () -> {
            if (!running.isAlive()) {
              throw new CliException(
                  "the agent process exited (" + running.exitValue() + "): " + logTail(home));
            }
            return summary(api);
          },
          a -> a.connected() && a.lastCycleEndedAt() != null && idle(a));
      Thread.sleep(settle.toMillis());
      Usage connected = Usage.of(agent.pid());

      HttpClient http = HttpClient.newHttpClient();
      URI reconcile = URI.create("http://127.0.0.1:" + server.httpPort() + "/api/v1/reconcile");
      double[] millis = new double[rounds];
      double[] floor = new double[rounds];
      double[] over = new double[rounds];
      // the agent's CPU from the first measured round to the last: the shell loops between the
      // rounds are the bench's children, not the agent's, and the idle agent's heartbeat is noise
      Cpu.Reading cpuBefore = null;
      for (int r = -warmup; r < rounds; r++) {
        double f = shellLoop();
        if (r == 0) {
          cpuBefore = Cpu.Reading.of(agent.pid());
        }
        double m = reconcileOnce(api, http, reconcile);
        if (r >= 0) {
          millis[r] = m;
          floor[r] = f;
          over[r] = m - f;
        }
      }
      Cpu cpu = Cpu.perRound(cpuBefore, Cpu.Reading.of(agent.pid()), rounds);
      requireAllSatisfied(api);
      Thread.sleep(settle.toMillis());
      Usage after = Usage.of(agent.pid());
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      return new Figures(
          CheckOverhead.median(millis),
          sorted[0],
          sorted[sorted.length - 1],
          CheckOverhead.median(floor),
          CheckOverhead.median(over),
          cpu,
          connected,
          after,
          command.display());
    } finally {
      if (agent != null) {
        agent.destroy();
        if (!agent.waitFor(30, TimeUnit.SECONDS)) {
          agent.destroyForcibly();
        }
      }
      deleteTree(home);
    }
  }

  /** One reconcile: milliseconds from just before the POST to the end of the agent's cycle. */
  private double reconcileOnce(FleetApi api, HttpClient http, URI reconcile) throws Exception {
    Instant before = Instant.now();
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(reconcile)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"target\":\"agent\",\"name\":\"" + NAME + "\"}"))
                .header("Content-Type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 202) {
      throw new CliException(
          "POST /api/v1/reconcile answered " + answer.statusCode() + ": " + answer.body());
    }
    Dto.AgentSummary done =
        await(
            "the reconcile to end",
            () -> summary(api),
            a -> a.lastCycleEndedAt() != null && a.lastCycleEndedAt().isAfter(before) && idle(a),
            5);
    return Duration.between(before, done.lastCycleEndedAt()).toNanos() / 1e6;
  }

  /**
   * Milliseconds for {@code checks} no-op checks run from a shell loop: the floor any tool pays to
   * start that many processes on this machine now.
   */
  private double shellLoop() throws IOException, InterruptedException {
    String loop =
        "i=0; while [ \"$i\" -lt " + checks + " ]; do " + shell + " -c true; i=$((i+1)); done";
    ProcessBuilder pb =
        new ProcessBuilder(shell, "-c", loop)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long t0 = System.nanoTime();
    int exit = pb.start().waitFor();
    double ms = (System.nanoTime() - t0) / 1e6;
    if (exit != 0) {
      throw new CliException("the shell loop exited " + exit);
    }
    return ms;
  }

  /** Every block of the task was checked and found satisfied: the rounds measured no-ops. */
  private void requireAllSatisfied(FleetApi api) throws Exception {
    Dto.AgentDetail detail =
        api.agent(NAME).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
    long satisfied =
        detail.tasks().stream()
            .flatMap(t -> t.executors().stream())
            .filter(e -> e.status() == dev.fluke.api.Status.SATISFIED)
            .count();
    if (satisfied != checks) {
      throw new CliException(
          "expected " + checks + " satisfied checks, the server shows " + detail.tasks());
    }
  }

  private static boolean idle(Dto.AgentSummary a) {
    return a.cycle() == dev.fluke.api.CyclePhase.IDLE;
  }

  private static Dto.AgentSummary summary(FleetApi api) throws Exception {
    return api.agents().toCompletableFuture().get(30, TimeUnit.SECONDS).stream()
        .filter(a -> a.name().equals(NAME))
        .findFirst()
        .orElse(null);
  }

  private Process start(Path hcl, Path home) throws IOException {
    List<String> argv = new ArrayList<>(command.argv());
    argv.addAll(List.of("agent", "--config", hcl.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectOutput(home.resolve("agent.out").toFile())
            .redirectError(home.resolve("agent.err").toFile());
    pb.environment().putAll(command.env());
    return pb.start();
  }

  private static String logTail(Path home) {
    try {
      String log = Files.readString(home.resolve("agent.err"), StandardCharsets.UTF_8);
      return log.length() <= 2000 ? log : log.substring(log.length() - 2000);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private String manifest() {
    StringBuilder hcl = new StringBuilder("# generated by fluke bench agent\n");
    hcl.append("task \"bench_noop\" {\n")
        .append("  description = \"")
        .append(checks)
        .append(" no-op checks\"\n")
        .append("  selector { match_labels = { role = \"bench-agent\" } }\n");
    for (int i = 0; i < checks; i++) {
      hcl.append("  shell \"noop_")
          .append(i)
          .append("\" {\n    check   = \"true\"\n    command = \"true\"\n  }\n");
    }
    return hcl.append("}\n").toString();
  }

  private String agentHcl(int grpcPort, String token, Path state) {
    return """
        agent {
          server_url = "grpc://127.0.0.1:%d"
          token      = "%s"
          name       = "%s"
          labels     = { role = "bench-agent" }
          state_dir  = "%s"
          execution {
            default_shell = "%s"
            %s
          }
          log { level = "warn" }
        }
        """
        .formatted(
            grpcPort,
            token,
            NAME,
            state,
            shell,
            checkConcurrency == null ? "" : "check_concurrency = " + checkConcurrency);
  }

  private static void commit(Path repo, String content) throws IOException, GitAPIException {
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("bench.fluke.hcl"), content);
      git.add().addFilepattern(".").call();
      git.commit()
          .setMessage("bench agent manifests")
          .setAuthor(AUTHOR)
          .setCommitter(AUTHOR)
          .setSign(false)
          .call();
    }
  }

  interface Ask<T> {
    T get() throws Exception;
  }

  private <T> T await(String what, Ask<T> ask, Predicate<T> done) throws Exception {
    return await(what, ask, done, 100);
  }

  /** Asks every {@code pollMillis} until {@code done}; gives up after the timeout. */
  private <T> T await(String what, Ask<T> ask, Predicate<T> done, long pollMillis)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = ask.get();
      if (value != null && done.test(value)) {
        return value;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new CliException(
            "bench: gave up waiting for " + what + " after " + timeout.toSeconds() + "s");
      }
      Thread.sleep(pollMillis);
    }
  }

  /**
   * The jar this JVM was started with ({@code java -jar fluke.jar}, as {@code bin/fluke} does), or
   * null (a class path of several entries, e.g. in tests).
   */
  static Path runningJar() {
    try {
      Path p = Path.of(RealAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path classPath = Path.of(System.getProperty("java.class.path")).toAbsolutePath();
      return p.equals(classPath) && Files.isRegularFile(p) && p.toString().endsWith(".jar")
          ? p
          : null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /** The checkout's {@code bin/fluke} above the jar (fluke-app/target/fluke.jar), or null. */
  static Path checkoutLauncher(Path jar) {
    for (Path d = jar.getParent(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("bin/fluke");
      if (Files.isExecutable(candidate) && Files.isRegularFile(d.resolve("pom.xml"))) {
        return candidate;
      }
    }
    return null;
  }

  static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind is harmless
    }
  }
}

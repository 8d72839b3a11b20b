package dev.fluke.app.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.app.ServerNode;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.DurationConverter;
import dev.fluke.config.ServerConfig;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fluke bench server}: what the server spends per unit of work, so that an operator can size
 * a node. A real server in this process (rollout pacing off, TLS with {@code --tls}) and {@code
 * --agents} simulated agents in child processes ({@code fluke bench-agents}, as {@code fluke bench}
 * runs them). The server's CPU time is read from this process ({@link ServerCpu}): the agents' own
 * work is in other processes and not in the figures. Phases:
 *
 * <ol>
 *   <li>registration: the fleet connects while no task matches it (its first cycles are empty);
 *   <li>idle: the fleet connected, nothing to do (heartbeats and the bench's polling): a CPU rate
 *       that is taken off the phases below;
 *   <li>a full-fleet check: a commit of {@code --tasks} tasks of {@code --executors} no-op blocks
 *       matching every agent, announced by a signed Git webhook; every agent checks every task (one
 *       {@code CheckReport} each); time to the last report;
 *   <li>applies: a commit that drifts one task on every agent, announced by the webhook; every
 *       agent checks and applies it; webhook → each agent's apply result (p50, p95, max), and the
 *       CPU per apply result over what its cycle's check costs.
 * </ol>
 */
@Command(
    name = "server",
    description = {
      "Measure the server's unit costs with simulated agents over loopback gRPC (rollout pacing off):",
      "CPU ms per registration, per check report and per apply result (the server's own process CPU time),",
      "a full-fleet check (time to the last report, checks/s) and webhook -> apply result per agent."
    },
    mixinStandardHelpOptions = true)
public final class ServerCostsCommand implements Callable<Integer> {
  private static final String TASK_PREFIX = "bench_";

  @Spec CommandSpec spec;

  @Mixin FleetOptions fleet = new FleetOptions();

  @Option(
      names = "--tls",
      description = "Agents and API over TLS (a self-signed certificate made with openssl).")
  boolean tls;

  @Option(
      names = "--connect-rate",
      defaultValue = "150",
      description =
          "New agent connections per second (default: ${DEFAULT-VALUE}; one simulator process"
              + " opens about 140/s on a 2-core machine).")
  int connectRate;

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description =
          "Rounds run first and not measured, so the JIT compiles the server's paths"
              + " (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--idle",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "How long the idle fleet's CPU rate is measured (default: ${DEFAULT-VALUE}).")
  Duration idle;

  private FleetApi api;

  /** API questions the server did not answer within its ask timeout. */
  private int apiTimeouts;

  private int httpPort;
  private HttpClient http;
  private String scheme;

  @Override
  public Integer call() throws Exception {
    if (!fleet.valid() || connectRate < 1 || warmup < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--agents, --tasks, --executors and --connect-rate must be at least 1, --warmup at least 0");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path home = Files.createTempDirectory("fluke-bench-server-");
    Path repo = home.resolve("manifests");
    BenchCommand.commit(repo, manifests("v0", "nobody", 0), "no task matches the fleet");
    HexFormat hex = HexFormat.of();
    String token = hex.formatHex(new java.security.SecureRandom().generateSeed(16));
    String secret = hex.formatHex(new java.security.SecureRandom().generateSeed(16));
    BenchTls certs = tls ? BenchTls.create(home.resolve("tls")) : null;
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (certs != null) {
      client.sslContext(certs.clientContext());
    }
    http = client.build();
    scheme = tls ? "https" : "http";
    // Rollout pacing off: every agent starts its cycle as soon as a commit is in.
    Config config =
        ConfigFactory.parseString(
                "fluke.server.rollout.immediate = 1000000000\n"
                    + "fluke.server.rollout.per-second = 1000000000")
            .withFallback(ConfigFactory.load());
    ServerNode server = ServerNode.start(serverConfig(home, repo, token, secret, certs), config);
    Report r = null;
    try {
      api = server.fleetApi();
      httpPort = server.httpPort();
      await(
          "the manifests to load",
          () -> api.manifest().toCompletableFuture().get(60, TimeUnit.SECONDS),
          m -> m.commit() != null);
      for (int round = -warmup; round < 1; round++) {
        if (round < 0) {
          err.printf("bench: warm-up round (not measured) ...%n");
        }
        r = round(server, repo, home, token, secret, certs, "r" + (round + warmup));
      }
    } finally {
      server.close();
      BenchCommand.deleteTree(home);
    }
    print(out, r);
    return 0;
  }

  /**
   * One round: a fleet of fresh simulated agents registers while no task matches it, sits idle,
   * checks a commit of every task, applies a commit that drifts one task, and goes away.
   */
  private Report round(
      ServerNode server,
      Path repo,
      Path home,
      String token,
      String secret,
      BenchTls certs,
      String version)
      throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    ServerCpu cpu = new ServerCpu();
    Report r = new Report();
    List<Process> children = new ArrayList<>();
    try {
      BenchCommand.commit(repo, manifests(version + "a", "nobody", 0), "nothing matches");
      webhook(secret);
      String head = BenchCommand.head(repo);
      await(
          "the commit that matches no agent to be in force",
          () -> api.manifest().toCompletableFuture().get(60, TimeUnit.SECONDS),
          m -> head.equals(m.commit()));

      // 1. Registration: nothing matches, so each agent's first cycle is empty.
      err.printf(
          "bench: %d agents connecting at %d/s (%s) ...%n",
          fleet.agents, connectRate, tls ? "TLS" : "plaintext");
      err.flush();
      Instant start = Instant.now();
      ServerCpu.Sample s0 = cpu.sample();
      for (int first = 0; first < fleet.agents; first += BenchCommand.AGENTS_PER_PROCESS) {
        int count = Math.min(BenchCommand.AGENTS_PER_PROCESS, fleet.agents - first);
        children.add(
            startAgents(
                server.grpcPort(),
                token,
                certs,
                first,
                count,
                home.resolve(version + "-agents-" + first)));
      }
      await("every agent to register and finish its (empty) first cycle", start);
      ServerCpu.Sample s1 = cpu.sample();
      Counts c1 = counts();

      // 2. Idle, with the same polling as during the phases.
      err.printf("bench: the fleet idle for %s ...%n", dev.fluke.hcl.Durations.format(idle));
      err.flush();
      long idleEnd = System.nanoTime() + idle.toNanos();
      while (System.nanoTime() < idleEnd) {
        try {
          agentsNow();
        } catch (java.util.concurrent.ExecutionException busy) {
          apiTimeouts++;
        }
        Thread.sleep(POLL_MILLIS);
      }
      ServerCpu.Sample s2 = cpu.sample();
      double idleCpuPerSecond = s2.cpuMillisSince(s1) / s2.wallSecondsSince(s1);

      // 3. Every agent checks every task, all satisfied.
      err.printf("bench: a commit of %d tasks for every agent, by webhook ...%n", fleet.tasks);
      err.flush();
      BenchCommand.commit(repo, manifests(version + "b", "bench", 0), "every task, satisfied");
      ServerCpu.Sample s3a = cpu.sample();
      Instant hook1 = webhook(secret);
      List<Dto.AgentSummary> after1 = await("every agent's check of the new commit", hook1);
      ServerCpu.Sample s3 = cpu.sample();
      Counts c3 = counts();
      Instant last1 = lastCycleEnd(after1);

      // 4. One task drifted on every agent: check, apply (and verify).
      err.printf("bench: a commit that drifts one task on every agent, by webhook ...%n");
      err.flush();
      BenchCommand.commit(
          repo, manifests(version + "c", "bench", 1), "one task drifted everywhere");
      ServerCpu.Sample s4a = cpu.sample();
      Instant hook2 = webhook(secret);
      List<Dto.AgentSummary> after2 = await("every agent's apply", hook2);
      ServerCpu.Sample s4 = cpu.sample();
      Counts c4 = counts();
      r.applyLatencies = applyLatencies(hook2);

      r.registration = phase(s0, s1, idleCpuPerSecond);
      r.checks = phase(s3a, s3, idleCpuPerSecond);
      r.checkSteps = c3.checks - c1.checks;
      r.fullCycle = Duration.between(hook1, last1);
      Phase applyCycle = phase(s4a, s4, idleCpuPerSecond);
      r.applySteps = c4.applies - c3.applies;
      r.applyCheckSteps = c4.checks - c3.checks;
      // the apply phase's cycles also check every task: take that off at the check phase's rate
      double checkCpuPerStep = r.checkSteps == 0 ? 0 : r.checks.cpuMillis / r.checkSteps;
      r.applyCpuMillis =
          r.applySteps == 0
              ? 0
              : (applyCycle.cpuMillis - checkCpuPerStep * r.applyCheckSteps) / r.applySteps;
      r.applyCycle = applyCycle;

      // 5. Every task drifted on every agent: as many apply results as tasks in each cycle.
      err.printf("bench: a commit that drifts every task on every agent, by webhook ...%n");
      err.flush();
      BenchCommand.commit(
          repo, manifests(version + "d", "bench", fleet.tasks), "every task drifted everywhere");
      ServerCpu.Sample s5a = cpu.sample();
      Instant hook3 = webhook(secret);
      await("every agent's applies", hook3);
      ServerCpu.Sample s5 = cpu.sample();
      Counts c5 = counts();
      Phase allDrifted = phase(s5a, s5, idleCpuPerSecond);
      r.allApplySteps = c5.applies - c4.applies;
      r.allApplyCpuMillis =
          r.allApplySteps == 0
              ? 0
              : (allDrifted.cpuMillis - checkCpuPerStep * (c5.checks - c4.checks))
                  / r.allApplySteps;
      r.allDrifted = allDrifted;
      r.idleCpuPerSecond = idleCpuPerSecond;
      r.lastApply = Duration.between(hook2, lastCycleEnd(after2));

      for (Process child : children) {
        child.getOutputStream().close();
      }
      for (Process child : children) {
        child.waitFor(60, TimeUnit.SECONDS);
      }
      await(
          "every agent to disconnect",
          this::agentsNow,
          list -> list.stream().noneMatch(Dto.AgentSummary::connected));
      return r;
    } finally {
      children.forEach(Process::destroyForcibly);
    }
  }

  // ---- the fleet ----

  /**
   * Manifests of {@code --tasks} tasks for agents labelled {@code role}: every block's check is a
   * no-op that the simulated host answers satisfied, but the first block of the first {@code
   * drifted} tasks, which starts drifted on every host ({@link SimulatedShell}).
   */
  private String manifests(String version, String role, int drifted) {
    StringBuilder hcl = new StringBuilder("# generated by fluke bench server\n");
    for (int t = 0; t < fleet.tasks; t++) {
      hcl.append("task \"" + TASK_PREFIX + t + "\" {\n")
          .append("  selector { match_labels = { role = \"" + role + "\" } }\n");
      for (int e = 0; e < fleet.executors; e++) {
        String check = (t < drifted && e == 0 ? "false" : "true") + " " + version;
        hcl.append("  shell \"step_" + e + "\" {\n")
            .append("    check   = \"" + check + " " + t + " " + e + "\"\n")
            .append("    command = \"true " + version + "\"\n")
            .append("  }\n");
      }
      hcl.append("}\n\n");
    }
    return hcl.toString();
  }

  private static ServerConfig serverConfig(
      Path home, Path repo, String token, String secret, BenchTls certs) {
    Duration quiet = Duration.ofHours(1); // no polling or interval cycles of its own
    ServerConfig base =
        ServerNode.loopbackConfig(home.resolve("server"), repo, 0, 0, token, quiet, quiet, 100);
    ServerConfig.Git git = base.git();
    return new ServerConfig(
        base.listenGrpc(),
        base.listenHttp(),
        base.agentTokens(),
        base.apiTokens(),
        base.dataDir(),
        base.reconcileInterval(),
        new ServerConfig.Git(
            git.url(),
            git.branch(),
            git.pollInterval(),
            git.manifestGlob(),
            git.sshKeyFile(),
            git.basicAuthUser(),
            git.basicAuthPassword(),
            Optional.of(secret),
            git.followForcePush()),
        certs == null
            ? base.tls()
            : new ServerConfig.Tls(true, Optional.of(certs.cert()), Optional.of(certs.key())),
        base.drift(),
        base.eventStore(),
        base.log());
  }

  private Process startAgents(
      int grpcPort, String token, BenchTls certs, int first, int count, Path logs)
      throws java.io.IOException {
    return SimulatorProcess.start(
        List.of((certs == null ? "grpc" : "grpcs") + "://127.0.0.1:" + grpcPort),
        token,
        first,
        count,
        fleet.agents,
        0,
        connectRate,
        fleet.timeout.multipliedBy(6),
        certs == null ? List.of() : List.of("--ca-file", certs.cert().toString()),
        List.of(),
        logs);
  }

  /** A GitLab-style push webhook (the shared secret as token); returns when it was sent. */
  private Instant webhook(String secret) throws Exception {
    HttpRequest request = PushWebhook.request(scheme + "://127.0.0.1:" + httpPort, secret);
    Instant sent = Instant.now();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 202 || !response.body().contains("fetching")) {
      throw new CliException(
          "bench: the webhook answered " + response.statusCode() + ": " + response.body());
    }
    return sent;
  }

  // ---- measuring ----

  private static final long POLL_MILLIS = 1000;

  /** Step results the server has counted so far ({@code fluke_steps_total}, from /metrics). */
  private record Counts(long checks, long applies) {}

  private Counts counts() throws Exception {
    Scrape metrics = Scrape.of(http, scheme + "://127.0.0.1:" + httpPort);
    return new Counts(
        metrics.sum("fluke_steps_total", "phase=\"check\""),
        metrics.sum("fluke_steps_total", "phase=\"apply\""));
  }

  private List<Dto.AgentSummary> agentsNow() throws Exception {
    return api.agents().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Waits until every agent is connected and idle after a cycle that ended after {@code since}. */
  private List<Dto.AgentSummary> await(String what, Instant since) throws Exception {
    return await(
        what, () -> agentsNow(), list -> BenchCommand.cycledSince(list, since) == fleet.agents);
  }

  private interface Ask<T> {
    T get() throws Exception;
  }

  private <T> T await(String what, Ask<T> ask, Predicate<T> done) throws Exception {
    long deadline = System.nanoTime() + fleet.timeout.toNanos();
    while (true) {
      T value;
      try {
        value = ask.get();
      } catch (java.util.concurrent.ExecutionException busy) {
        // the server did not answer within its API timeout: a finding, not the end of the run
        apiTimeouts++;
        value = null;
      }
      if (value != null && done.test(value)) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw fleet.gaveUp(what);
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static Instant lastCycleEnd(List<Dto.AgentSummary> list) {
    return list.stream()
        .map(Dto.AgentSummary::lastCycleEndedAt)
        .max(Instant::compareTo)
        .orElseThrow();
  }

  /**
   * For every agent, from the webhook to the server's record of its apply result (the event of the
   * drifted block's apply step), in milliseconds, sorted.
   */
  private double[] applyLatencies(Instant hook) throws Exception {
    double[] millis = new double[fleet.agents];
    for (int i = 0; i < fleet.agents; i++) {
      String name = BenchCommand.agentName(i);
      List<Event> applied =
          api.events(new EventQuery(name, TASK_PREFIX + 0, "applied", 1))
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      if (applied.isEmpty() || applied.get(0).time().isBefore(hook)) {
        throw new CliException("bench: no apply result recorded for " + name);
      }
      millis[i] = Duration.between(hook, applied.get(0).time()).toNanos() / 1e6;
    }
    Arrays.sort(millis);
    return millis;
  }

  /** A phase's server CPU, less the idle fleet's rate over its length. */
  private record Phase(double cpuMillis, double jitMillis, double seconds) {}

  private static Phase phase(ServerCpu.Sample from, ServerCpu.Sample to, double idleCpuPerSecond) {
    double seconds = to.wallSecondsSince(from);
    return new Phase(
        to.cpuMillisSince(from) - idleCpuPerSecond * seconds, to.jitMillisSince(from), seconds);
  }

  private static final class Report {
    Phase registration;
    Phase checks;
    long checkSteps;
    Duration fullCycle;
    Phase applyCycle;
    long applySteps;
    long applyCheckSteps;
    double applyCpuMillis;
    Phase allDrifted;
    long allApplySteps;
    double allApplyCpuMillis;
    double idleCpuPerSecond;
    Duration lastApply;
    double[] applyLatencies;
  }

  private void print(PrintWriter out, Report r) {
    out.printf(
        "fluke bench server: %d agents, %d tasks x %d blocks, %s, rollout pacing off, %d core(s),"
            + " load %.2f, Java %s%n",
        fleet.agents,
        fleet.tasks,
        fleet.executors,
        tls ? "TLS" : "plaintext",
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("java.version"));
    out.printf(
        "  server CPU while idle with the fleet            %.1f ms/s (heartbeats, the bench's polling;"
            + " taken off below)%n",
        r.idleCpuPerSecond);
    out.printf(
        "  server CPU per registration                     %.2f ms (%.1f s of CPU in %.1f s; JIT"
            + " compilers %.1f s more)%n",
        r.registration.cpuMillis / fleet.agents,
        r.registration.cpuMillis / 1000,
        r.registration.seconds,
        r.registration.jitMillis / 1000.0);
    out.printf(
        "  server CPU per check report (%d tasks)          %.2f ms (%.3f ms per task, %.3f ms per"
            + " block; %d block checks; JIT compilers %.1f s more)%n",
        fleet.tasks,
        r.checks.cpuMillis / fleet.agents,
        r.checks.cpuMillis / fleet.agents / fleet.tasks,
        r.checkSteps == 0 ? 0 : r.checks.cpuMillis / r.checkSteps,
        r.checkSteps,
        r.checks.jitMillis / 1000.0);
    out.printf(
        "  server CPU per apply result, one task drifted   %.2f ms (%d apply steps; the cycle with"
            + " its checks %.2f ms per agent)%n",
        r.applyCpuMillis, r.applySteps, r.applyCycle.cpuMillis / fleet.agents);
    out.printf(
        "  ... with every task drifted                     %.2f ms (%d apply steps; the cycle with"
            + " its checks %.2f ms per agent)%n",
        r.allApplyCpuMillis, r.allApplySteps, r.allDrifted.cpuMillis / fleet.agents);
    long taskChecks = (long) fleet.agents * fleet.tasks;
    out.printf(
        "  full-fleet check: webhook -> last report        %.2f s (%d tasks checked: %.0f tasks/s,"
            + " %.0f blocks/s)%n",
        r.fullCycle.toMillis() / 1000.0,
        taskChecks,
        taskChecks / (r.fullCycle.toNanos() / 1e9),
        taskChecks * fleet.executors / (r.fullCycle.toNanos() / 1e9));
    out.printf("  API questions not answered in time (polling)    %d (all rounds)%n", apiTimeouts);
    double[] l = r.applyLatencies;
    out.printf(
        "  webhook -> apply result, %d drifted agents      p50 %.0f ms, p95 %.0f ms, max %.0f ms"
            + " (last cycle ended %.2f s)%n",
        fleet.agents,
        percentile(l, 0.50),
        percentile(l, 0.95),
        l[l.length - 1],
        r.lastApply.toMillis() / 1000.0);
    out.flush();
  }

  private static double percentile(double[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}

package dev.fluke.app.bench;

import com.typesafe.config.ConfigFactory;
import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.app.ChildJvm;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.client.ApiClient;
import dev.fluke.cluster.FleetShare;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.hcl.Durations;
import dev.fluke.net.LoopbackPorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code fluke bench --nodes N --kill-node}: failover of a cluster on this machine, measured (issue
 * 8 "Targets", docs/cluster.md "Failure modes"). N real {@code fluke server} processes (child JVMs
 * of the fluke binary, a cluster on loopback, in-memory events, one local manifest repository) and
 * {@code --agents} simulated agents ({@code fluke bench-agents} children) whose server list names
 * every node. Three phases, each ending with the fleet whole again (the stopped node started anew,
 * all agents connected):
 *
 * <ol>
 *   <li>{@code kill -9} of the node holding most agents: per agent of that node, the time from the
 *       kill until it is registered on another node, and until it has finished a cycle there;
 *   <li>{@code kill -STOP} of the node holding most agents: the same times; when the cluster has
 *       removed it, it is resumed and must exit (downed, status 3);
 *   <li>{@code kill -9} of the Git singleton's node, a commit right after it: the time until every
 *       surviving node has loaded the new commit (its own {@code manifest/loaded} event);
 *   <li>a rolling restart: each node in turn gets SIGTERM while the fleet applies a commit that
 *       drifts every agent (a simulated apply of {@link #APPLY}, policy {@code
 *       remediate_and_alert}), is waited for until it exited and started again with its data dir;
 *       then failed steps, apply results lost or recorded twice and drift alerts sent twice for one
 *       episode are counted ({@link RollingTally}) from the simulated agents' apply logs, the
 *       nodes' shared event store (a {@code redis-server} of the bench) and an alert webhook inside
 *       the bench ({@link AlertSink}).
 *   <li>rebalancing: {@code kill -9} of the node holding most agents, its agents re-homed, then it
 *       is started again, empty: the time until it holds its share of the fleet again (the other
 *       nodes hand idle agents over once the membership has been stable for {@code
 *       fluke.cluster.rebalance.settle}, 60 s).
 * </ol>
 *
 * <p>{@code --phases} runs some of them (default all, in this order). With {@code --no-cluster} the
 * nodes have no cluster block (independent servers the agents fail over between) and only phase (a)
 * runs: the same {@code kill -9} without the directory, the floor the cluster's figures are
 * measured against.
 *
 * <p>Per-agent times come from the server's own timestamps ({@code connectedAt}, {@code
 * lastCycleEndedAt}), so the polling interval does not blur them. Everything runs on 127.0.0.1 and
 * is stopped at the end (by the processes' handles).
 */
final class ClusterBench {
  /** The servers' setting the agents heartbeat by; an agent drops a server silent for 3 of them. */
  private static final String HEARTBEAT_KEY = "fluke.server.agents.heartbeat-interval";

  /**
   * The heartbeat interval the servers tell their agents: a cluster's default (fluke-cluster.conf)
   * or, for servers without a cluster block ({@code plain}), a single server's (fluke-server.conf),
   * unless the servers' JVM options set it (the last {@code -D} wins, as in the JVM).
   */
  static Duration heartbeat(List<String> serverJavaOpts, boolean plain) {
    Duration interval =
        ConfigFactory.parseResources(plain ? "fluke-server.conf" : "fluke-cluster.conf")
            .getDuration(HEARTBEAT_KEY);
    for (String option : serverJavaOpts) {
      if (option.startsWith("-D" + HEARTBEAT_KEY + "=")) {
        interval =
            ConfigFactory.parseMap(
                    Map.of(HEARTBEAT_KEY, option.substring(HEARTBEAT_KEY.length() + 3)))
                .getDuration(HEARTBEAT_KEY);
      }
    }
    return interval;
  }

  /**
   * How long a stop waits for the nodes' rebalancers to spread the fleet as a cluster in service
   * holds it ({@link #awaitBalanced()}).
   */
  static final Duration BALANCE_WAIT = Duration.ofMinutes(4);

  /**
   * How long a simulated apply of phase (d) takes (its command is {@code sleep 10}): longer than a
   * node's pacing of a commit's cycles and its drain at SIGTERM, so that the applies of the stopped
   * node's agents are still running when it stops and their results reach another node (with 3 s,
   * the nodes had often let every apply end before the bench stopped one).
   */
  static final Duration APPLY = Duration.ofSeconds(10);

  /** Every phase, in the order they run. */
  static final List<String> PHASES = List.of("a", "b", "c", "d", "e");

  private final int nodes;
  private final int agents;
  private final int connectRate;
  private final Duration timeout;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Set<String> phases;

  /** JVM options of the server nodes (--server-java-opts). */
  private final List<String> serverJavaOpts;

  /** JVM options of the simulator processes (--agents-java-opts). */
  private final List<String> agentsJavaOpts;

  private final boolean keep;

  /**
   * Nodes without a cluster block ({@code --no-cluster}): independent servers the agents fail over
   * between, with no directory, so phase (a) measures what a failover costs without the cluster.
   */
  private final boolean plain;

  /** Calls the nodes' push webhook ({@link #pushed}). */
  private final HttpClient http = HttpClient.newHttpClient();

  private Path home;
  private Path repo;
  private String token;
  private final List<int[]> ports = new ArrayList<>(); // grpc, http, cluster
  private final List<Process> servers = new ArrayList<>();
  private final Map<Integer, Integer> starts = new HashMap<>();
  private final List<Process> children = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();

  /** Nodes that exited by themselves (downed) and were started again, as systemd would. */
  private final List<String> incidents = new ArrayList<>();

  private String phase = "start-up";
  private Instant phaseStart = Instant.now();

  /** The bench tasks' check/command suffix; (c) moves it to v2. */
  private String version = "v1";

  /** Phase (d)'s rounds so far: one drifting task {@code rolling_r<N>} each. */
  private int rounds;

  /** Phase (d)'s shared event store and alert webhook; null without (d). */
  private BenchRedis redis;

  private AlertSink alerts;

  ClusterBench(
      int nodes,
      int agents,
      int connectRate,
      Duration timeout,
      Set<String> phases,
      boolean keep,
      boolean plain,
      List<String> serverJavaOpts,
      List<String> agentsJavaOpts,
      PrintWriter out,
      PrintWriter err) {
    this.phases = phases;
    this.keep = keep;
    this.plain = plain;
    this.serverJavaOpts = serverJavaOpts;
    this.agentsJavaOpts = agentsJavaOpts;
    this.nodes = nodes;
    this.agents = agents;
    this.connectRate = connectRate;
    this.timeout = timeout;
    this.out = out;
    this.err = err;
  }

  int run() throws Exception {
    if (plain && (nodes < 2 || !phases.equals(Set.of("a")))) {
      throw new CliException(
          "bench: --no-cluster runs phase a only (--phases a), with --nodes 2 or more");
    }
    if (!plain && nodes < 3) {
      throw new CliException(
          "bench: --kill-node needs --nodes 3 or more (a cluster of 2 has no majority without"
              + " one)");
    }
    home = Files.createTempDirectory("fluke-bench-cluster-");
    repo = home.resolve("manifests");
    BenchCommand.commit(repo, manifests(), "bench manifests v1");
    token = HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(16));
    try {
      if (phases.contains("d")) {
        redis = BenchRedis.start(Files.createDirectories(home.resolve("redis")));
        alerts = AlertSink.start();
      }
      int[] free = LoopbackPorts.free(3 * nodes);
      for (int i = 0; i < nodes; i++) {
        ports.add(new int[] {free[3 * i], free[3 * i + 1], free[3 * i + 2]});
      }
      for (int i = 0; i < nodes; i++) {
        servers.add(startServer(i));
      }
      note("%d nodes starting ...", nodes);
      awaitAllUp();
      startAgents();
      note("%d agents connecting at %d/s to %d nodes ...", agents, connectRate, nodes);
      Instant start = Instant.now();
      awaitFleet(0, start);
      report(
          String.format(
              "  fleet up (every agent registered and cycled)      %s; agents per node %s",
              secs(Duration.between(start, Instant.now())), perNode(holders(0))));

      if (phases.contains("a")) {
        crash();
      }
      if (phases.contains("b")) {
        freeze();
      }
      if (phases.contains("c")) {
        singletonMoves();
      }
      if (phases.contains("d")) {
        rollingRestart();
      }
      if (phases.contains("e")) {
        rebalance();
      }
    } finally {
      for (Process c : children) {
        c.getOutputStream().close();
      }
      for (Process c : children) {
        if (!c.waitFor(30, TimeUnit.SECONDS)) {
          c.destroyForcibly();
        }
      }
      for (Process p : servers) {
        if (p != null) {
          Runtime.getRuntime().exec(new String[] {"kill", "-CONT", Long.toString(p.pid())});
          p.destroyForcibly();
          p.waitFor(30, TimeUnit.SECONDS);
        }
      }
      if (alerts != null) {
        alerts.close();
      }
      if (redis != null) {
        redis.close();
      }
      if (keep) {
        err.println("bench: kept " + home + " (the nodes' logs: server-N-M.log)");
      } else {
        BenchCommand.deleteTree(home);
      }
    }
    Runtime rt = Runtime.getRuntime();
    out.printf(
        "fluke bench --nodes %d --kill-node%s --phases %s: %d simulated agents, %d core(s), Java %s,"
            + " server heartbeat %s (an agent drops a silent server after 3)%n",
        nodes,
        plain ? " --no-cluster (independent servers, no directory)" : "",
        String.join(",", phases),
        agents,
        rt.availableProcessors(),
        System.getProperty("java.version"),
        Durations.format(heartbeat(serverJavaOpts, plain)));
    lines.forEach(out::println);
    out.printf(
        "  nodes downed by the cluster and restarted (as Restart=on-failure would)  %s%n",
        incidents.isEmpty() ? "none" : String.join("; ", incidents));
    out.flush();
    return 0;
  }

  // ---- the phases ----

  /** (a) kill -9 of the node holding most agents. */
  private void crash() throws Exception {
    phase("(a)");
    Crash c = crashBusiest();
    Times times = rehome(c.survivor(), c.victim(), c.moved(), c.at(), c.routine());
    Duration removed = awaitRemoved(c.survivor(), c.victim(), c.at());
    int survivor = c.survivor();
    report(
        String.format(
            "  (a) kill -9 of a node holding %d agents: registered on another node %s",
            c.moved().size(), times.registered));
    report(String.format("      cycled again on another node %s", times.cycled));
    report("      " + times.cpu());
    report("      " + c.spread());
    reportLeft(times);
    if (plain) {
      report(String.format("      every agent listed once: %s", listedOnce(survivor)));
      return;
    }
    report(
        String.format(
            "      killed node removed from the cluster after   %s; every agent listed once: %s",
            secs(removed), listedOnce(survivor)));
    restart(c.victim());
  }

  /**
   * A node killed at {@code at}, its agents and a node that survived; {@code routine}: the others'
   * CPU in the seconds before; {@code spread}: the agents per node before ({@link
   * #awaitBalanced()}).
   */
  private record Crash(
      int victim, Set<String> moved, Instant at, int survivor, Routine routine, String spread) {}

  /** {@code kill -9} of the node holding most agents. */
  private Crash crashBusiest() throws Exception {
    String spread =
        plain
            ? "agents per node before the stop "
                + perNode(holders(0))
                + " (independent servers: as the agents came)"
            : awaitBalanced();
    Map<String, Integer> before = holders(0);
    int victim = mostAgents(before);
    Set<String> moved = agentsOf(before, victim);
    Routine routine = Routine.measure(survivors(victim));
    note("kill -9 of node %d (%d agents) ...", victim, moved.size());
    return new Crash(victim, moved, kill9(victim), survivor(victim), routine, spread);
  }

  /** (b) kill -STOP of the node holding most agents, then kill -CONT. */
  private void freeze() throws Exception {
    phase("(b)");
    String spread = awaitBalanced();
    Map<String, Integer> before = holders(0);
    int victim = mostAgents(before);
    Set<String> moved = agentsOf(before, victim);
    Process frozen = servers.get(victim);
    Routine routine = Routine.measure(survivors(victim));
    note("kill -STOP of node %d (%d agents) ...", victim, moved.size());
    Instant stop = Instant.now();
    signal("STOP", frozen);
    int survivor = survivor(victim);
    Times times = rehome(survivor, victim, moved, stop, routine);
    Duration removed = awaitRemoved(survivor, victim, stop);
    signal("CONT", frozen);
    Instant resumed = Instant.now();
    boolean exited = frozen.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    String exit =
        exited
            ? "exited with status "
                + frozen.exitValue()
                + " "
                + secs(Duration.between(resumed, Instant.now()))
                + " after kill -CONT"
            : "did NOT exit within " + secs(timeout);
    servers.set(victim, exited ? null : frozen);
    report(
        String.format(
            "  (b) kill -STOP of a node holding %d agents: re-homed (registered) %s",
            moved.size(), times.registered));
    report(String.format("      cycled again on another node %s", times.cycled));
    report("      " + times.cpu());
    report("      " + spread);
    reportLeft(times);
    report(
        String.format(
            "      frozen node downed and removed after          %s; resumed, it %s",
            secs(removed), exit));
    if (!exited) {
      frozen.destroyForcibly();
      frozen.waitFor(30, TimeUnit.SECONDS);
      servers.set(victim, null);
    }
    restart(victim);
  }

  /**
   * (e) A node restarted empty gets its share: {@code kill -9} of the node holding most agents, its
   * agents re-homed, the node started again; then the time until it holds its share less the slack
   * the nodes leave (a tenth, at least 2), counted from when it was up again.
   */
  private void rebalance() throws Exception {
    phase("(e)");
    Crash c = crashBusiest();
    int victim = c.victim();
    int survivor = c.survivor();
    rehome(survivor, victim, c.moved(), c.at(), c.routine());
    awaitRemoved(survivor, victim, c.at());
    long[] movesBefore = counters("fluke_agent_moves_total");
    long[] sentOnBefore = counters("fluke_agent_moves_sent_on_total");
    restart(victim);
    Instant up = Instant.now();
    Map<String, Integer> atStart = holders(survivor);
    int share = (agents + nodes - 1) / nodes;
    int floor = share - Math.max(2, share / 10);
    List<Map<String, Integer>> seen = new ArrayList<>(List.of(atStart));
    await(
        "node " + victim + " to hold " + floor + " or more agents",
        () -> {
          seen.set(0, holders(survivor));
          return agentsOf(seen.get(0), victim).size() >= floor;
        },
        () -> "agents per node " + perNode(seen.get(0)));
    Duration took = Duration.between(up, Instant.now());
    int reached = agentsOf(seen.get(0), victim).size();
    await(
        "every agent to be connected once",
        () -> {
          seen.set(0, holders(survivor));
          return seen.get(0).size() == agents && listedOnce(survivor);
        },
        () -> seen.get(0).size() + " of " + agents + " connected");
    Duration whole = Duration.between(up, Instant.now());
    long moved = sum(counters("fluke_agent_moves_total"), movesBefore, victim);
    long sentOn = sum(counters("fluke_agent_moves_sent_on_total"), sentOnBefore, victim);
    report(
        String.format(
            "  (e) a node restarted empty (kill -9): held %d agents when up again, %d (its share %d"
                + " less the slack) %s later",
            agentsOf(atStart, victim).size(), reached, share, secs(took)));
    report(
        String.format(
            "      every agent connected once again %s after it was up; agents per node %s",
            secs(whole), perNode(seen.get(0))));
    report(
        String.format(
            "      agents moved by rebalancing meanwhile %d (the restarted node took %d of them),"
                + " sent on by a node at its share %d",
            moved, agentsOf(seen.get(0), victim).size(), sentOn));
  }

  /**
   * Each running node's counter {@code name} from its {@code /metrics} (-1 where it cannot be
   * read).
   */
  private long[] counters(String name) {
    long[] values = new long[servers.size()];
    for (int i = 0; i < servers.size(); i++) {
      values[i] = -1;
      if (servers.get(i) == null || !servers.get(i).isAlive()) {
        continue;
      }
      try {
        values[i] = Scrape.of(http, "http://127.0.0.1:" + ports.get(i)[1]).counter(name);
      } catch (IOException e) {
        // left at -1: the figure says "unknown" for that node
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return values;
      }
    }
    return values;
  }

  /**
   * What the nodes counted between {@code before} and {@code after}; {@code restarted}'s counter
   * started again from 0 with its process.
   */
  static long sum(long[] after, long[] before, int restarted) {
    long total = 0;
    for (int i = 0; i < after.length; i++) {
      long from = i == restarted ? 0 : Math.max(0, before[i]);
      total += Math.max(0, after[i] - from);
    }
    return total;
  }

  /**
   * Tells a live node of a push to the manifest repository, as the repository's webhook would (the
   * GitLab form: the secret in {@code X-Gitlab-Token}); the node hands it to the Git singleton,
   * wherever that runs. The nodes poll at the servers' default interval (60 s), as in production: a
   * poll every second on every node cost a fifth to two fifths of this machine's two cores (JGit's
   * upload-pack for each fetch), which then slowed every phase.
   */
  private void pushed() throws InterruptedException {
    for (int i = 0; i < servers.size(); i++) {
      if (servers.get(i) == null) {
        continue;
      }
      HttpRequest request = PushWebhook.request("http://127.0.0.1:" + ports.get(i)[1], token);
      try {
        HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 202) {
          return;
        }
        note("webhook of node %d answered %d: %s", i, answer.statusCode(), answer.body());
      } catch (IOException e) {
        note("webhook of node %d: %s", i, e);
      }
    }
  }

  /** (c) kill -9 of the Git singleton's node, a new commit right after. */
  private void singletonMoves() throws Exception {
    phase("(c)");
    int victim = singletonNode(0);
    note("kill -9 of node %d, the Git singleton's, and a new commit ...", victim);
    Instant kill = kill9(victim);
    version = "v2";
    BenchCommand.commit(repo, manifests(), "bench manifests v2");
    Instant committed = Instant.now();
    pushed();
    String commit = BenchCommand.head(repo).substring(0, 12);
    int asked = survivor(victim);
    List<Instant> loaded = new ArrayList<>();
    await(
        "every surviving node to load commit " + commit,
        () -> {
          loaded.clear();
          loaded.addAll(loadedAt(asked, commit));
          return loaded.size() >= nodes - 1;
        },
        () -> loaded.size() + " of " + (nodes - 1) + " loaded");
    Instant last = loaded.stream().max(Instant::compareTo).orElseThrow();
    int survivor = survivor(victim);
    await("a new singleton", () -> singletonNode(survivor) != victim, () -> "");
    report(
        String.format(
            "  (c) Git singleton's node killed, commit %s pushed %s later: in force on every"
                + " surviving node %s after the kill",
            commit, millis(Duration.between(kill, committed)), secs(Duration.between(kill, last))));
  }

  /**
   * (d) A rolling restart under load: per node, a commit that drifts every agent (a new task whose
   * simulated apply takes {@link #APPLY}), SIGTERM when applies run on the node's agents, wait
   * until it exited, start it again, wait until it is Up and the whole fleet connected; then the
   * counts.
   */
  private void rollingRestart() throws Exception {
    phase("(d)");
    for (int i = 0; i < nodes; i++) {
      if (servers.get(i) == null) { // (c) leaves its victim stopped
        restart(i);
      }
    }
    Instant began = Instant.now();
    int inFlight = 0;
    Set<Integer> restarted = new java.util.HashSet<>();
    while (restarted.size() < nodes) {
      rounds++;
      BenchCommand.commit(repo, manifests(), "bench rolling restart, round " + rounds);
      pushed();
      Map<String, Integer> holders = holders(alive());
      int victim = nextToRestart(holders, restarted, nodes);
      restarted.add(victim);
      int survivor = survivor(victim);
      Set<String> moved = agentsOf(holders, victim);
      note(
          "round %d: task rolling_r%d drifts every agent (apply %s); waiting until node %d's %d"
              + " agents apply ...",
          rounds, rounds, secs(APPLY), victim, moved.size());
      int applying = awaitApplying(survivor, moved);
      inFlight += applying;
      note("SIGTERM to node %d, %d of its %d agents applying ...", victim, applying, moved.size());
      Process node = servers.get(victim);
      Instant term = Instant.now();
      node.destroy();
      boolean exited = node.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
      Duration stopping = Duration.between(term, Instant.now());
      String exit = exited ? "exited " + node.exitValue() : "did NOT exit";
      if (!exited) {
        node.destroyForcibly();
        node.waitFor(30, TimeUnit.SECONDS);
      }
      servers.set(victim, null);
      Times times = rehome(survivor, victim, moved, term, null);
      Instant start = Instant.now();
      restart(victim);
      Duration back = Duration.between(start, Instant.now());
      report(
          String.format(
              "  (d) SIGTERM to node %d, %d of its %d agents applying: %s after %s; started again,"
                  + " Up with the whole fleet connected after %s",
              victim, applying, moved.size(), exit, secs(stopping), secs(back)));
      if (!moved.isEmpty()) {
        report(String.format("      its agents registered on another node %s", times.registered));
        report(String.format("      cycled again on another node %s", times.cycled));
        report("      " + times.cpu());
        reportLeft(times);
      }
    }
    RollingTally tally = settle(began);
    int unsatisfied = unsatisfied();
    report(
        String.format(
            "  (d) rolling restart of %d nodes under %d agents (%d drifting commits, applies of %s):",
            nodes, agents, rounds, secs(APPLY)));
    row("failed steps (failed/error events since (d) began)", tally.failed());
    row("apply results lost (ran on an agent, recorded by no node)", tally.lost());
    row("apply results recorded twice", tally.twice());
    if (!tally.twiceSeen().isEmpty()) {
      report(
          "        recorded twice: "
              + tally.twiceSeen().stream()
                  .limit(10)
                  .map(e -> e.agent() + " " + e.task())
                  .collect(Collectors.joining(", ")));
    }
    row("drift alerts sent twice for one episode", tally.duplicateAlerts());
    if (!tally.alertedTwice().isEmpty()) {
      report(
          "        alerted twice: "
              + tally.alertedTwice().stream()
                  .limit(10)
                  .map(a -> a.episode().agent() + " " + a.episode().task() + " " + a.kind())
                  .collect(Collectors.joining(", ")));
    }
    row("rolling tasks not satisfied at the end (agents' task statuses)", unsatisfied);
    report(
        String.format(
            "      applies the agents ran %d (of %d: each agent once per round), started and not"
                + " ended %d; results recorded %d (%d late; %d applies ran on a node's agents at"
                + " its SIGTERM); drift alerts received %d (and %d redeliveries of one already"
                + " received, by its id: the webhook's answer had timed out); episodes with a result"
                + " but no drift_remediated %d",
            tally.applies(),
            agents * rounds,
            tally.interrupted(),
            tally.recorded(),
            tally.late(),
            inFlight,
            tally.alerts(),
            alerts.redeliveries(),
            tally.missingAlerts()));
  }

  /**
   * How many (agent, rolling task) are not {@code satisfied} in the agents' details (their live
   * task statuses, on the node holding each), after waiting up to {@code --timeout} for none.
   */
  private int unsatisfied() throws Exception {
    int[] left = {-1};
    try {
      await(
          "every agent's rolling tasks to be satisfied",
          () -> {
            int n = 0;
            for (int i = 0; i < agents; i++) {
              Dto.AgentDetail d = client(alive()).agent(BenchCommand.agentName(i)).value();
              long satisfied =
                  d.tasks().stream()
                      .filter(t -> t.task().startsWith("rolling_r"))
                      .filter(t -> t.status().word().equals("satisfied"))
                      .count();
              n += rounds - (int) satisfied;
            }
            left[0] = n;
            return n == 0;
          },
          () -> left[0] + " (agent, task) not satisfied");
    } catch (CliException e) {
      note("%s; counting what there is", e.getMessage());
    }
    return left[0] < 0 ? agents * rounds : left[0];
  }

  private void row(String figure, int value) {
    report(
        String.format(
            "      %-64s %5d   target 0: %s", figure, value, value == 0 ? "met" : "NOT met"));
  }

  /**
   * Waits until at least half of {@code moved} are applying (as {@code asked} lists them), or some
   * are and two applies' time passed, or all of them ran this round's apply already, or {@code
   * --timeout} (then the node is stopped all the same); answers how many were applying.
   */
  private int awaitApplying(int asked, Set<String> moved) throws Exception {
    if (moved.isEmpty()) {
      return 0;
    }
    Instant since = Instant.now();
    int[] applying = new int[1];
    try {
      awaitApplyingFor(since, moved, asked, applying);
    } catch (CliException e) {
      note("%s; stopping the node anyway", e.getMessage());
    }
    return applying[0];
  }

  private void awaitApplyingFor(Instant since, Set<String> moved, int asked, int[] applying)
      throws Exception {
    await(
        "the agents of the node to stop to apply",
        () -> {
          applying[0] =
              (int)
                  client(asked).agents(null).matching().value().stream()
                      .filter(a -> moved.contains(a.name()) && a.cycle() == CyclePhase.APPLYING)
                      .count();
          return applying[0] * 2 >= moved.size()
              || (applying[0] > 0
                  && Duration.between(since, Instant.now()).compareTo(APPLY.multipliedBy(2)) > 0)
              || appliedAlready(moved);
        },
        () -> applying[0] + " of " + moved.size() + " applying");
  }

  /**
   * Whether every agent of {@code moved} ended this round's apply already (by the simulators' apply
   * logs): the round's commit reached them before the wait began, and there is nothing left to stop
   * the node in the middle of.
   */
  private boolean appliedAlready(Set<String> moved) {
    String task = "rolling_r" + rounds;
    Set<String> ended =
        readApplyLogs().stream()
            .filter(a -> a.ended() && a.episode().task().equals(task))
            .map(a -> a.episode().agent())
            .collect(Collectors.toSet());
    return ended.containsAll(moved);
  }

  /**
   * Waits until the agents ran every round's apply and every result and alert of them arrived (or
   * {@code --timeout}: what is missing then is counted, not waited for), and counts.
   */
  private RollingTally settle(Instant began) throws Exception {
    note("waiting for every agent's applies to end ...");
    int expected = agents * rounds;
    try {
      await(
          "every agent to run each round's apply",
          () -> readApplyLogs().stream().filter(RollingTally.Apply::ended).count() >= expected,
          () ->
              readApplyLogs().stream().filter(RollingTally.Apply::ended).count()
                  + " of "
                  + expected
                  + " applies ended");
    } catch (CliException e) {
      note("%s; counting what there is", e.getMessage());
    }
    RollingTally tally = tally(began);
    // Results and alerts may still be on their way (a late result, an alert's retry): look again.
    for (int again = 0; again < 6 && (tally.lost() > 0 || tally.missingAlerts() > 0); again++) {
      note(
          "%d results lost, %d alerts missing so far; looking again in 10 s ...",
          tally.lost(), tally.missingAlerts());
      Thread.sleep(10_000);
      tally = tally(began);
    }
    return tally;
  }

  /**
   * The counts now, from the apply logs, node 0's view of the shared event store and the alerts.
   */
  private RollingTally tally(Instant began) throws IOException {
    List<RollingTally.Result> results = new ArrayList<>();
    int failed = 0;
    for (int i = 0; i < agents; i++) {
      String agent = BenchCommand.agentName(i);
      List<Event> events = client(alive()).events(new EventQuery(agent, null, null, 1000)).value();
      for (Event e : events) {
        if (e.time().isBefore(began)) {
          continue;
        }
        if (e.outcome().equals("failed") || e.outcome().equals("error")) {
          failed++;
          note("failed step: %s", e);
        }
        if (e.kind().equals("apply")
            && e.outcome().equals("applied")
            && e.task().startsWith("rolling_r")) {
          results.add(
              new RollingTally.Result(
                  new RollingTally.Episode(agent, e.task()), e.message().startsWith("late")));
        }
      }
    }
    return RollingTally.of(readApplyLogs(), results, failed, alerts.alerts());
  }

  /** Every line of the simulators' apply logs, for the rolling tasks. */
  private List<RollingTally.Apply> readApplyLogs() {
    List<RollingTally.Apply> applies = new ArrayList<>();
    for (int first = 0; first < agents; first += BenchCommand.AGENTS_PER_PROCESS) {
      Path log = home.resolve("agents-" + first + ".applies");
      if (!Files.exists(log)) {
        continue;
      }
      try {
        for (String line : Files.readAllLines(log)) {
          RollingTally.Apply apply = RollingTally.applyLine(line);
          if (apply != null) {
            applies.add(apply);
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return applies;
  }

  /** A node that runs (the bench restarts each one before the next is stopped). */
  private int alive() {
    for (int i = 0; i < nodes; i++) {
      if (servers.get(i) != null && servers.get(i).isAlive()) {
        return i;
      }
    }
    throw new CliException("bench: no node runs");
  }

  /** A line of the final report, also shown at once (a run that fails later keeps its figures). */
  private void report(String line) {
    lines.add(line);
    note("result:%s", line);
  }

  private void phase(String name) {
    phase = name;
    phaseStart = Instant.now();
  }

  /**
   * Starts again a node process that exited by itself (the cluster downed it: exit 3), as systemd's
   * {@code Restart=on-failure} would, and notes it in the report. Nodes the bench stopped are null.
   */
  private void reviveExited() throws IOException {
    for (int i = 0; i < servers.size(); i++) {
      Process p = servers.get(i);
      if (p != null && !p.isAlive()) {
        String what =
            String.format(
                "node %d exited with status %d during %s, %s after it began",
                i, p.exitValue(), phase, secs(Duration.between(phaseStart, Instant.now())));
        incidents.add(what);
        note("%s: starting it again", what);
        servers.set(i, startServer(i));
      }
    }
  }

  // ---- measuring ----

  /**
   * @param left how many of the agents counted as the node's had left it before {@code since} (a
   *     rebalancing round between the count and the stop): not part of the percentiles
   * @param cpu the CPU the processes used while the agents were re-homed (see {@link CpuWindow})
   */
  private record Times(Percentiles registered, Percentiles cycled, int left, String cpu) {}

  /**
   * User + system CPU time of the processes of this run, read from {@code /proc/PID/stat}, to say
   * how busy the machine's cores were while agents were re-homed: the survivors' part per re-homed
   * agent is a figure the simulator sharing the cores does not move.
   */
  private final class CpuWindow {
    private final List<Process> nodes;
    private final Routine before;
    private final long nodesAtStart;
    private final long jitAtStart;
    private final long simulatorAtStart;
    private final long wallAtStart = System.nanoTime();

    /**
     * @param before the survivors' routine before the stop, or null when not measured
     */
    CpuWindow(int victim, Routine before) {
      this.nodes = survivors(victim);
      this.before = before;
      nodesAtStart = cpuMillis(nodes);
      jitAtStart = jitMillis(nodes);
      simulatorAtStart = cpuMillis(children);
    }

    String report(int agents) {
      long nodesMs = cpuMillis(nodes) - nodesAtStart;
      long jitMs = Math.max(0, jitMillis(nodes) - jitAtStart);
      long simMs = cpuMillis(children) - simulatorAtStart;
      double wall = (System.nanoTime() - wallAtStart) / 1e9;
      String routineWas = "";
      if (before != null && agents > 0) {
        double above = nodesMs - before.coresBusy() * wall * 1000;
        routineWas =
            String.format(
                "; above their routine before the stop (%s): %.1f ms per re-homed agent",
                before.describe(), above / agents);
      }
      return String.format(
          "surviving nodes' CPU meanwhile %.1f s, %.1f s of it their JIT compilers' (%.1f ms per"
              + " re-homed agent%s), the simulator's %.1f s, in %.1f s on %d core(s)",
          nodesMs / 1000.0,
          jitMs / 1000.0,
          agents == 0 ? 0.0 : (double) nodesMs / agents,
          routineWas,
          simMs / 1000.0,
          wall,
          Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * How many cores some nodes kept busy over the last of a few 5-second windows, and how long the
   * bench waited for them to settle.
   */
  record Routine(double coresBusy, List<Double> windows) {
    /** Most windows waited for: a node that stays busy is stopped after a minute all the same. */
    static final int MAX_WINDOWS = 12;

    /**
     * Measures 5-second windows until the nodes' CPU has settled (the last three windows within 0.1
     * cores of each other, or one below 0.05 cores): right after a fleet came up or a node came
     * back, the nodes are still gossiping the directory's changes and their JIT compilers are busy,
     * which is not what a cluster in service is doing when one of its nodes dies.
     */
    static Routine measure(List<Process> nodes) throws InterruptedException {
      List<Double> windows = new ArrayList<>();
      while (true) {
        long cpu = cpuMillis(nodes);
        long wall = System.nanoTime();
        Thread.sleep(5_000);
        double cores = (cpuMillis(nodes) - cpu) / ((System.nanoTime() - wall) / 1e6);
        windows.add(cores);
        if (settled(windows)) {
          return new Routine(cores, List.copyOf(windows));
        }
      }
    }

    /** Whether the windows measured so far (cores busy, oldest first) end the wait. */
    static boolean settled(List<Double> windows) {
      int n = windows.size();
      List<Double> last = windows.subList(Math.max(0, n - 3), n);
      return n >= MAX_WINDOWS
          || windows.get(n - 1) < 0.05
          || (n >= 3 && Collections.max(last) - Collections.min(last) < 0.1);
    }

    /** E.g. "0.41 cores; waited 15 s for it (0.82, 0.55, 0.41)". */
    String describe() {
      return String.format(
          "%.2f cores; waited %d s for it (%s)",
          coresBusy,
          5 * windows.size(),
          windows.stream().map(c -> String.format("%.2f", c)).collect(Collectors.joining(", ")));
    }
  }

  /** The server processes but {@code victim}'s. */
  private List<Process> survivors(int victim) {
    List<Process> nodes = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      if (i != victim && servers.get(i) != null) {
        nodes.add(servers.get(i));
      }
    }
    return nodes;
  }

  /** User + system CPU milliseconds of {@code processes} so far; 0 for one that is gone. */
  static long cpuMillis(List<Process> processes) {
    long nanos = 0;
    for (Process p : processes) {
      try {
        nanos += ServerCpu.cpuNanos(Path.of("/proc", Long.toString(p.pid()), "stat"));
      } catch (IOException | RuntimeException gone) {
        // ended, or no /proc here
      }
    }
    return nanos / 1_000_000;
  }

  /** The part of {@link #cpuMillis} that the processes' JIT compiler threads used. */
  static long jitMillis(List<Process> processes) {
    long nanos = 0;
    for (Process p : processes) {
      nanos += ServerCpu.compilerThreadsNanos(Long.toString(p.pid()));
    }
    return nanos / 1_000_000;
  }

  /**
   * Waits until every agent of {@code moved} is connected on a node other than {@code victim} (as
   * {@code survivor} lists the fleet) and finished a cycle there; their times from {@code since}.
   * An agent listed on another node with a connection older than {@code since} had left the victim
   * before (the nodes rebalance while the fleet is steady): it is set apart, not waited for.
   */
  private Times rehome(int survivor, int victim, Set<String> moved, Instant since, Routine before)
      throws Exception {
    CpuWindow cpu = new CpuWindow(victim, before);
    String gone = address(victim);
    Map<String, Duration> registered = new HashMap<>();
    Map<String, Duration> cycled = new HashMap<>();
    Set<String> left = new java.util.HashSet<>();
    await(
        "the " + moved.size() + " agents of node " + victim + " to cycle on another node",
        () -> {
          for (Dto.AgentSummary a : fleet(survivor)) {
            if (!moved.contains(a.name())
                || cycled.containsKey(a.name())
                || left.contains(a.name())
                || !a.connected()
                || gone.equals(a.node())
                || a.connectedAt() == null) {
              continue;
            }
            if (a.connectedAt().isBefore(since)) {
              left.add(a.name());
              continue;
            }
            registered.putIfAbsent(a.name(), Duration.between(since, a.connectedAt()));
            if (a.cycle() == CyclePhase.IDLE
                && a.lastCycleEndedAt() != null
                && a.lastCycleEndedAt().isAfter(a.connectedAt())) {
              cycled.put(a.name(), Duration.between(since, a.lastCycleEndedAt()));
            }
          }
          return cycled.size() + left.size() == moved.size();
        },
        () ->
            registered.size()
                + " registered, "
                + cycled.size()
                + " cycled of "
                + moved.size()
                + (left.isEmpty() ? "" : " (" + left.size() + " had left it before)"),
        Duration.ofSeconds(1));
    return new Times(
        Percentiles.of(List.copyOf(registered.values())),
        Percentiles.of(List.copyOf(cycled.values())),
        left.size(),
        cpu.report(cycled.size()));
  }

  private void reportLeft(Times times) {
    if (times.left() > 0) {
      report(
          String.format(
              "      %d of them had left it before the stop (a rebalancing round): not counted",
              times.left()));
    }
  }

  /** Waits until {@code survivor} no longer lists {@code victim} as a member. */
  private Duration awaitRemoved(int survivor, int victim, Instant since) throws Exception {
    String gone = address(victim);
    await(
        "node " + victim + " to be removed",
        () -> client(survivor).nodes().value().stream().noneMatch(n -> n.address().equals(gone)),
        () -> client(survivor).nodes().value().toString());
    return Duration.between(since, Instant.now());
  }

  /**
   * The fleet as {@code node} lists it; with {@code --no-cluster}, where each node lists only its
   * own agents, the connected agents of every running node.
   */
  private List<Dto.AgentSummary> fleet(int node) {
    if (!plain) {
      return client(node).agents(null).matching().value();
    }
    return ownAgents().values().stream().flatMap(List::stream).toList();
  }

  /**
   * With {@code --no-cluster}: each running node's index → the agents connected to it, as it lists
   * them (a node lists only its own).
   */
  private Map<Integer, List<Dto.AgentSummary>> ownAgents() {
    Map<Integer, List<Dto.AgentSummary>> byNode = new HashMap<>();
    for (int i = 0; i < nodes; i++) {
      if (servers.get(i) != null) {
        byNode.put(
            i,
            client(i).agents(null).matching().value().stream()
                .filter(Dto.AgentSummary::connected)
                .toList());
      }
    }
    return byNode;
  }

  /** Whether every agent is listed once, connected, with no node missing, by {@code node}. */
  private boolean listedOnce(int node) {
    if (plain) {
      return once(fleet(node));
    }
    ApiClient.Filtered answer = client(node).agents(null);
    return answer.missingNodes().isEmpty() && once(answer.matching().value());
  }

  /** Every agent listed once, connected. */
  private boolean once(List<Dto.AgentSummary> list) {
    return list.size() == agents
        && list.stream().map(Dto.AgentSummary::name).distinct().count() == agents
        && list.stream().allMatch(Dto.AgentSummary::connected);
  }

  /**
   * When the nodes recorded loading {@code commit}, one time per node that did: every node records
   * its own {@code manifest/loaded} event, and {@code node}'s answer lists every node's (merged
   * from the nodes' memory stores, or the one shared Redis store). A new commit is loaded once per
   * node, so the count is the number of nodes that have it in force.
   */
  private List<Instant> loadedAt(int node, String commit) {
    List<Event> events = client(node).events(new EventQuery(null, null, "loaded", 200)).value();
    return events.stream()
        .filter(e -> e.message().startsWith("commit " + commit))
        .map(Event::time)
        .toList();
  }

  /** Agent name → node index, from {@code node}'s list of connected agents. */
  private Map<String, Integer> holders(int node) {
    Map<String, Integer> where = new HashMap<>();
    if (plain) {
      ownAgents().forEach((i, agents) -> agents.forEach(a -> where.put(a.name(), i)));
      return where;
    }
    for (Dto.AgentSummary a : client(node).agents(null).matching().value()) {
      if (a.connected() && a.node() != null) {
        where.put(a.name(), index(a.node()));
      }
    }
    return where;
  }

  /**
   * (d)'s next node to restart: of those not {@code restarted} yet, the one holding most agents
   * (the lowest on a tie), so that every SIGTERM meets agents while the fleet gathers on the nodes
   * restarted first.
   */
  static int nextToRestart(Map<String, Integer> holders, Set<Integer> restarted, int nodes) {
    Map<Integer, Long> counts =
        holders.values().stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
    int next = -1;
    for (int i = 0; i < nodes; i++) {
      if (!restarted.contains(i)
          && (next < 0 || counts.getOrDefault(i, 0L) > counts.getOrDefault(next, 0L))) {
        next = i;
      }
    }
    if (next < 0) {
      throw new IllegalArgumentException("every node was restarted");
    }
    return next;
  }

  /**
   * Waits until the fleet is spread as a cluster in service holds it, at most {@link
   * #BALANCE_WAIT}: no node holds more than its share plus the rebalancer's slack ({@link
   * FleetShare#allowed()}) and the counts are those of 10 s before, give or take 2 (one rebalancing
   * interval: no round under way, {@link #steady}). A fleet that has just come up, or a node just
   * started again, is uneven until the rebalancers have moved agents (docs/cluster.md,
   * "Rebalancing"); a stop before that measures that moment rather than a cluster in service, and a
   * round under way during the stop mixes moved agents into the re-homed ones. Returns the spread
   * found, for the report.
   */
  private String awaitBalanced() throws Exception {
    long began = System.nanoTime();
    Map<Integer, Long> before = null;
    while (true) {
      reviveExited();
      Map<Integer, Long> counts;
      boolean even;
      try {
        Map<String, Integer> now = holders(0);
        counts = counts(now);
        even = balanced(now, nodes);
      } catch (RuntimeException e) {
        counts = null;
        even = false;
      }
      Duration waited = Duration.ofNanos(System.nanoTime() - began);
      String spread = counts == null ? "unknown" : spread(counts);
      if (even && steady(before, counts)) {
        return "agents per node before the stop "
            + spread
            + " (spread by the rebalancers: waited "
            + secs(waited)
            + ")";
      }
      if (waited.compareTo(BALANCE_WAIT) > 0) {
        return "agents per node before the stop "
            + spread
            + " (NOT spread evenly after "
            + secs(waited)
            + ")";
      }
      before = even ? counts : null;
      note("agents per node %s (waiting for the rebalancers to spread them)", spread);
      Thread.sleep(10_000);
    }
  }

  /**
   * No node's count moved by more than 2 agents since {@code before}: no rebalancing round under
   * way (a round moves up to {@code max-per-round} agents per node), while an agent that reconnects
   * meanwhile does not hold the stop up.
   */
  static boolean steady(Map<Integer, Long> before, Map<Integer, Long> now) {
    if (before == null || now == null || !before.keySet().equals(now.keySet())) {
      return false;
    }
    return now.entrySet().stream()
        .allMatch(e -> Math.abs(e.getValue() - before.get(e.getKey())) <= 2);
  }

  private static Map<Integer, Long> counts(Map<String, Integer> holders) {
    return holders.values().stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
  }

  /** No node holds more agents than the rebalancer lets it keep ({@link FleetShare#allowed()}). */
  static boolean balanced(Map<String, Integer> holders, int nodes) {
    int allowed = new FleetShare(0, holders.size(), nodes).allowed();
    return counts(holders).values().stream().allMatch(c -> c <= allowed);
  }

  static int mostAgents(Map<String, Integer> holders) {
    return holders.values().stream()
        .collect(Collectors.groupingBy(n -> n, Collectors.counting()))
        .entrySet()
        .stream()
        .max(
            Map.Entry.<Integer, Long>comparingByValue()
                .thenComparing(Map.Entry.<Integer, Long>comparingByKey().reversed()))
        .orElseThrow(() -> new CliException("bench: no agent is connected"))
        .getKey();
  }

  private static Set<String> agentsOf(Map<String, Integer> holders, int node) {
    return holders.entrySet().stream()
        .filter(e -> e.getValue() == node)
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  private String perNode(Map<String, Integer> holders) {
    return spread(counts(holders));
  }

  private String spread(Map<Integer, Long> counts) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      parts.add(Long.toString(counts.getOrDefault(i, 0L)));
    }
    return String.join(" / ", parts);
  }

  private int singletonNode(int asked) {
    return client(asked).nodes().value().stream()
        .filter(n -> !n.singletons().isEmpty())
        .map(n -> index(n.address()))
        .findFirst()
        .orElse(-1);
  }

  /** {@code kill -9} of node {@code node}, waited for: when it was killed. */
  private Instant kill9(int node) throws InterruptedException {
    Instant kill = Instant.now();
    servers.get(node).destroyForcibly();
    servers.get(node).waitFor(30, TimeUnit.SECONDS);
    servers.set(node, null);
    return kill;
  }

  private int survivor(int victim) {
    return (victim + 1) % nodes;
  }

  // ---- the cluster's processes ----

  private void awaitAllUp() throws Exception {
    for (int i = 0; i < nodes; i++) {
      int node = i;
      if (plain) {
        await("node " + i + " to answer", () -> client(node).agents(null) != null, () -> "");
        continue;
      }
      await(
          "node " + i + " to see " + nodes + " Up members",
          () -> {
            List<Dto.NodeInfo> m = client(node).nodes().value();
            return m.size() == nodes && m.stream().allMatch(n -> n.status().equals("up"));
          },
          () -> "");
    }
  }

  /** Every agent connected (listed once, no node missing) and cycled since {@code since}. */
  private void awaitFleet(int node, Instant since) throws Exception {
    long[] seen = new long[2];
    await(
        "every agent to connect and cycle",
        () -> {
          List<Dto.AgentSummary> list = fleet(node);
          seen[0] = list.stream().filter(Dto.AgentSummary::connected).count();
          seen[1] = BenchCommand.cycledSince(list, since);
          return seen[1] == agents && listedOnce(node);
        },
        () -> seen[0] + " connected, " + seen[1] + " cycled of " + agents);
  }

  /** Starts node {@code node} again on its ports and waits until the fleet is whole again. */
  private void restart(int node) throws Exception {
    note("starting node %d again ...", node);
    servers.set(node, startServer(node));
    awaitAllUp();
    await("every agent to be connected", () -> listedOnce(node), () -> "");
  }

  private Process startServer(int node) throws IOException {
    int[] p = ports.get(node);
    starts.merge(node, 1, Integer::sum);
    String seeds =
        ports.stream().map(q -> "\"127.0.0.1:" + q[2] + "\"").collect(Collectors.joining(", "));
    Path config = home.resolve("server-" + node + ".hcl");
    Files.writeString(
        config,
        """
        server {
          listen_grpc        = "127.0.0.1:%d"
          listen_http        = "127.0.0.1:%d"
          agent_tokens       = ["%s"]
          data_dir           = "%s"
          reconcile_interval = "1h"
          tls { enabled = false }
          git {
            url            = "%s"
            webhook_secret = "%s"
          }
        %s%s}
        """
            .formatted(
                p[0],
                p[1],
                token,
                home.resolve("data-" + node),
                repo.toUri(),
                token,
                plain
                    ? ""
                    : """
                      cluster {
                        listen = "127.0.0.1:%d"
                        seeds  = [%s]
                      }
                    """
                        .formatted(p[2], seeds),
                rollingConfig()));
    Path log = home.resolve("server-" + node + "-" + starts.get(node) + ".log");
    List<String> options = new ArrayList<>();
    options.add("-Xss512k");
    options.addAll(serverJavaOpts);
    List<String> command = ChildJvm.command(options);
    command.addAll(List.of("server", "--config", config.toString()));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /**
   * Phase (d)'s server settings: one shared event store (so a node's records outlive its restart)
   * and the bench's alert webhook; nothing without (d).
   */
  private String rollingConfig() {
    if (redis == null) {
      return "";
    }
    return """
          event_store {
            backend = "redis"
            memory { max_events_per_agent = 1000 }
            redis { url = "%s"  prefix = "bench" }
          }
          drift { alert_webhook = "%s" }
        """
        .formatted(redis.url(), alerts.url());
  }

  private void startAgents() throws IOException {
    List<String> servers = new ArrayList<>();
    for (int[] p : ports) {
      servers.add("grpc://127.0.0.1:" + p[0]);
    }
    for (int first = 0; first < agents; first += BenchCommand.AGENTS_PER_PROCESS) {
      int count = Math.min(BenchCommand.AGENTS_PER_PROCESS, agents - first);
      children.add(
          SimulatorProcess.start(
              servers,
              token,
              first,
              count,
              agents,
              0,
              connectRate,
              timeout.multipliedBy(6),
              redis == null
                  ? List.of()
                  : List.of(
                      "--apply-log",
                      home.resolve("agents-" + first + ".applies").toString(),
                      "--blocking-threads",
                      Integer.toString(Math.min(count, 400) + 16)),
              agentsJavaOpts,
              home.resolve("agents-" + first)));
    }
  }

  private static void signal(String signal, Process p) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
  }

  /**
   * The bench tasks (satisfied everywhere, as the simulator starts them), and for each round of (d)
   * so far a task {@code rolling_r<N>} that every agent finds drifted once, applies in {@link
   * #APPLY} and alerts about ({@code remediate_and_alert}).
   */
  private String manifests() {
    StringBuilder hcl = new StringBuilder("# generated by fluke bench --nodes\n");
    for (int r = 1; r <= rounds; r++) {
      hcl.append(
          """
          task "rolling_r%d" {
            selector { match_labels = { role = "bench" } }
            drift { policy = "remediate_and_alert" }
            shell "step" {
              check   = "false # rolling_r%d"
              command = "sleep %d # rolling_r%d"
            }
          }
          """
              .formatted(r, r, APPLY.toSeconds(), r));
    }
    for (int t = 0; t < 3; t++) {
      hcl.append(
          """
          task "bench_%d" {
            selector { match_labels = { role = "bench" } }
            shell "step" {
              check   = "test -f /bench/%d/%s"
              command = "touch /bench/%d/%s"
            }
          }
          """
              .formatted(t, t, version, t, version));
    }
    return hcl.toString();
  }

  /** {@code --phases}: letters of {@link #PHASES}, comma-separated, run in their own order. */
  static Set<String> phases(String spec) {
    Set<String> chosen = new java.util.TreeSet<>();
    for (String part : spec.split(",", -1)) {
      String p = part.trim();
      if (!PHASES.contains(p)) {
        throw new CliException(
            "bench: --phases takes letters from a,b,c,d,e separated by commas; got \""
                + spec
                + "\"");
      }
      chosen.add(p);
    }
    return chosen;
  }

  private ApiClient client(int node) {
    return new ApiClient("http://127.0.0.1:" + ports.get(node)[1], null, Duration.ofSeconds(10));
  }

  private String address(int node) {
    return "pekko://fluke-server@127.0.0.1:" + ports.get(node)[2];
  }

  private int index(String address) {
    for (int i = 0; i < nodes; i++) {
      if (address.equals(address(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Polls every 200 ms until {@code done} (errors count as "not yet"); says how far every 5 s. */
  private void await(String what, Supplier<Boolean> done, Supplier<String> progress)
      throws Exception {
    await(what, done, progress, Duration.ofMillis(200));
  }

  /**
   * As {@link #await(String, Supplier, Supplier)}, asking every {@code every}: a question that
   * lists the whole fleet costs the nodes CPU, which a re-homing on shared cores should not pay
   * five times a second (the per-agent times come from the nodes' own timestamps, so asking less
   * often does not blur them).
   */
  private void await(String what, Supplier<Boolean> done, Supplier<String> progress, Duration every)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      reviveExited();
      try {
        if (done.get()) {
          return;
        }
      } catch (RuntimeException e) {
        // a node still starting or just killed: keep asking
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(
            "bench: gave up waiting for " + what + " after " + timeout.toSeconds() + "s");
      }
      if (System.nanoTime() > nextNote) {
        String seen;
        try {
          seen = progress.get();
        } catch (RuntimeException e) {
          seen = e.getMessage();
        }
        note("%s (waiting for %s)", seen, what);
        nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      }
      Thread.sleep(every.toMillis());
    }
  }

  private void note(String format, Object... args) {
    err.printf("bench: " + format + "%n", args);
    err.flush();
  }

  static String secs(Duration d) {
    return String.format("%.1f s", d.toMillis() / 1000.0);
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }

  /** p50 / p95 / p99 / max of some durations (nearest rank). */
  record Percentiles(int count, Duration p50, Duration p95, Duration p99, Duration max) {
    static Percentiles of(List<Duration> values) {
      List<Duration> sorted = values.stream().sorted().toList();
      if (sorted.isEmpty()) {
        return new Percentiles(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
      }
      return new Percentiles(
          sorted.size(),
          rank(sorted, 50),
          rank(sorted, 95),
          rank(sorted, 99),
          sorted.get(sorted.size() - 1));
    }

    /** The nearest-rank percentile: the smallest value with at least p% of values at or below. */
    private static Duration rank(List<Duration> sorted, int p) {
      int rank = (int) Math.ceil(p / 100.0 * sorted.size());
      return sorted.get(Math.max(0, rank - 1));
    }

    @Override
    public String toString() {
      return String.format(
          "p50 %s, p95 %s, p99 %s, max %s (%d agents)",
          secs(p50), secs(p95), secs(p99), secs(max), count);
    }
  }
}

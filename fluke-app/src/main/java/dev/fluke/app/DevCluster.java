package dev.fluke.app;

import dev.fluke.api.Dto;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.client.ApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code fluke dev --nodes N}: N real {@code fluke server} processes, children of this one, as one
 * cluster on loopback, on the ports of conf/examples/cluster (node i: agents on the gRPC port + 10
 * × (i − 1), the API on the HTTP port + 10 × (i − 1), the cluster one above the API), in-memory
 * events, the dev manifest repo. A node that exits (`kill -9`, downed after a freeze, a crash) is
 * started again after {@link #RESTART_DELAY}, as systemd's {@code Restart=} would; one that exits
 * before the cluster formed or within {@link #EARLY_EXIT} of its start is left down, with the error
 * its log ends on (a port in use, say). {@link #close} stops them all (SIGTERM, then SIGKILL after
 * 30 s); each is in this process's process group, so Ctrl-C in the terminal reaches them too.
 */
final class DevCluster implements AutoCloseable {
  static final Duration RESTART_DELAY = Duration.ofSeconds(3);
  static final Duration EARLY_EXIT = Duration.ofSeconds(10);

  /** Node {@code number} (from 1) of the cluster, its ports and its directory. */
  record Node(int number, int grpcPort, int httpPort, int clusterPort, Path dir) {
    Path config() {
      return dir.resolve("server.hcl");
    }

    Path log() {
      return dir.resolve("server.log");
    }

    String api() {
      return "http://127.0.0.1:" + httpPort;
    }
  }

  /** The nodes' ports and directories: node i on the given ports + 10 × (i − 1). */
  static List<Node> layout(Path home, int nodes, int grpcPort, int httpPort) {
    List<Node> out = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      int step = 10 * (i - 1);
      out.add(
          new Node(
              i, grpcPort + step, httpPort + step, httpPort + 1 + step, home.resolve("node-" + i)));
    }
    return out;
  }

  /** Node {@code node}'s server.hcl: loopback, plaintext, every node a seed. */
  static String serverHcl(
      Node node, List<Node> all, Path manifests, String token, Duration pollInterval) {
    String seeds =
        all.stream()
            .map(n -> "\"127.0.0.1:" + n.clusterPort() + "\"")
            .collect(Collectors.joining(", "));
    return """
        # written by fluke dev --nodes %d (node %d of the cluster); made again at each start
        server {
          listen_grpc        = "127.0.0.1:%d"
          listen_http        = "127.0.0.1:%d"
          agent_tokens       = ["%s"]
          data_dir           = "%s"
          reconcile_interval = "30s"
          tls { enabled = false }
          git {
            url           = "%s"
            poll_interval = "%ds"
          }
          event_store {
            backend = "memory"
            memory { max_events_per_agent = 200 }
          }
          cluster {
            listen = "127.0.0.1:%d"
            seeds  = [%s]
          }
        }
        """
        .formatted(
            all.size(),
            node.number(),
            node.grpcPort(),
            node.httpPort(),
            token,
            node.dir().resolve("data"),
            manifests.toUri(),
            Math.max(1, pollInterval.toSeconds()),
            node.clusterPort(),
            seeds);
  }

  private final List<Node> nodes;
  private final List<String> command;
  private final PrintWriter out;
  private final Map<Integer, Process> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService restarts =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fluke-dev-nodes");
            t.setDaemon(true);
            return t;
          });
  private final Set<Integer> down = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private volatile boolean formed;

  private DevCluster(List<Node> nodes, List<String> command, PrintWriter out) {
    this.nodes = List.copyOf(nodes);
    this.command = List.copyOf(command);
    this.out = out;
  }

  /** Writes every node's configuration and starts every node. */
  static DevCluster start(
      List<Node> nodes, Path manifests, String token, Duration pollInterval, PrintWriter out) {
    DevCluster cluster = new DevCluster(nodes, javaCommand(), out);
    try {
      for (Node n : nodes) {
        Files.createDirectories(n.dir());
        Files.deleteIfExists(n.config());
        Files.createFile(
            n.config(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(n.config(), serverHcl(n, nodes, manifests, token, pollInterval));
      }
      for (Node n : nodes) {
        cluster.launch(n);
      }
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw new CliException("cannot start the dev cluster's nodes: " + e.getMessage(), e);
    }
    return cluster;
  }

  /**
   * This JVM's java with its memory, JIT and GC options and its system properties (not its
   * debugger, agents, CDS archive or recordings), this class path and Fluke's main class.
   */
  private static List<String> javaCommand() {
    List<String> options = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean tuning = a.startsWith("-Xm") || a.startsWith("-Xss") || a.startsWith("-D");
      boolean xx =
          a.startsWith("-XX:")
              && !a.contains("SharedArchiveFile")
              && !a.contains("FlightRecord")
              && !a.contains("NativeMemoryTracking");
      if (tuning || xx) {
        options.add(a);
      }
    }
    return ChildJvm.command(options);
  }

  List<Node> nodes() {
    return nodes;
  }

  /** The pid of node {@code number}'s process, or -1 when it is not running. */
  long pid(int number) {
    Process p = running.get(number);
    return p != null && p.isAlive() ? p.pid() : -1;
  }

  /**
   * Waits until node 1 lists every node Up: null then, else why not (a node exited while the
   * cluster was forming, or {@code within} passed).
   */
  String awaitUp(Duration within) throws InterruptedException {
    ApiClient client = new ApiClient(nodes.get(0).api(), null, Duration.ofSeconds(5));
    Instant end = Instant.now().plus(within);
    while (Instant.now().isBefore(end)) {
      if (!down.isEmpty()) {
        return "node(s) " + new TreeSet<>(down) + " exited while the cluster was forming";
      }
      try {
        List<Dto.NodeInfo> members = client.nodes().value();
        if (members.size() == nodes.size()
            && members.stream().allMatch(m -> m.status().equals("up"))) {
          formed = true;
          return null;
        }
      } catch (RuntimeException e) {
        // still starting: its API is not listening yet
      }
      Thread.sleep(500);
    }
    return "the nodes did not form a cluster within " + within.toMinutes() + " minutes";
  }

  private void launch(Node n) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of("server", "--config", n.config().toString()));
    Files.writeString(
        n.log(),
        "---- fluke dev: node " + n.number() + " starting at " + Instant.now() + "\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log().toFile()))
            .start();
    running.put(n.number(), p);
    Instant started = Instant.now();
    p.onExit().thenAccept(done -> exited(n, done, started));
  }

  private void exited(Node n, Process p, Instant started) {
    if (stopping) {
      return;
    }
    running.remove(n.number(), p);
    int status = p.exitValue();
    if (!startsAgain(formed, Duration.between(started, Instant.now()))) {
      down.add(n.number());
      say(
          "fluke dev: node %d exited with status %d %s; not started again: %s (its log: %s)",
          n.number(),
          status,
          formed
              ? "within " + EARLY_EXIT.toSeconds() + " s of its start"
              : "before the cluster formed",
          lastError(n.log()),
          n.log());
      return;
    }
    say(
        "fluke dev: node %d (pid %d) exited with status %d; starting it again in %d s",
        n.number(), p.pid(), status, RESTART_DELAY.toSeconds());
    restarts.schedule(() -> relaunch(n), RESTART_DELAY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Synchronized with {@link #close}: a node is either started before it or not at all. */
  private synchronized void relaunch(Node n) {
    if (stopping) {
      return;
    }
    try {
      launch(n);
      say("fluke dev: node %d started again, pid %d", n.number(), pid(n.number()));
    } catch (IOException e) {
      say("fluke dev: cannot start node %d again: %s", n.number(), e.getMessage());
    }
  }

  /**
   * Whether a node that exited is started again: only once the cluster had formed, and not when it
   * lived less than {@link #EARLY_EXIT} (it would most likely fail the same way again).
   */
  static boolean startsAgain(boolean clusterFormed, Duration lived) {
    return clusterFormed && lived.compareTo(EARLY_EXIT) >= 0;
  }

  /** The node's last "error: …" line (what `fluke server` prints before it exits 1), or "". */
  static String lastError(Path log) {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(l -> l.startsWith("error: ")).reduce((a, b) -> b).orElse("");
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  private void say(String format, Object... args) {
    synchronized (out) {
      out.println(String.format(format, args));
      out.flush();
    }
  }

  /** Stops every node: SIGTERM (each leaves the cluster), SIGKILL after 30 s. Idempotent. */
  @Override
  public synchronized void close() {
    stopping = true;
    restarts.shutdownNow();
    List<Process> all = new ArrayList<>(running.values());
    all.forEach(Process::destroy);
    for (Process p : all) {
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}

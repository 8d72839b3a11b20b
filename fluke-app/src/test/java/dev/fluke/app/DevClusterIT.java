package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fluke dev --nodes 3} for real (issue 8, "Try it locally"): one child JVM running it, which
 * starts three {@code fluke server} processes as a cluster on loopback and its own agent dialing
 * them all. The node holding the agent is killed with {@code kill -9}: the agent moves to another
 * node, and dev starts the killed node again, which rejoins. Stopping dev (SIGTERM) stops every
 * node it started. The manifests are the test's own (a no-op task), so nothing outside its
 * temporary directory is touched.
 */
class DevClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(180);

  @TempDir Path tmp;
  private Process dev;

  /** Each process dev started, once (gathered several times over a test). */
  private final Set<ProcessHandle> started = new LinkedHashSet<>();

  @AfterEach
  void stop() throws Exception {
    if (dev != null) {
      started.addAll(dev.descendants().toList()); // before dev goes: its children are then orphans
      dev.destroyForcibly();
      dev.waitFor(30, TimeUnit.SECONDS);
    }
    for (ProcessHandle p : started) {
      p.destroyForcibly();
    }
  }

  @Test
  void threeNodesOneAgentThatMovesWhenItsNodeIsKilledAndTheNodeComesBack() throws Exception {
    Path examples = noopExamples();
    int base = freeBase();
    dev = startDev(examples, base);
    List<ApiClient> api = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      api.add(new ApiClient("http://127.0.0.1:" + (base + 1 + 10 * i), null, WAIT));
    }
    String name = InetAddress.getLocalHost().getHostName();

    await(
        "the agent is connected and every node lists it",
        WAIT,
        () -> api.stream().allMatch(a -> connected(a, name).isPresent()),
        this::devOutput);
    String holder = connected(api.get(0), name).orElseThrow().node();
    int node = nodeNumber(holder, base);
    ProcessHandle victim = nodeProcess(node).orElseThrow();
    started.addAll(dev.descendants().toList());

    victim.destroyForcibly(); // kill -9
    int other = node % 3; // an index of another node's API (nodes are numbered from 1)
    await(
        "the agent is connected on another node",
        WAIT,
        () -> connected(api.get(other), name).map(a -> !a.node().equals(holder)).orElse(false),
        this::devOutput);
    await(
        "dev started node " + node + " again and it is an Up member of the three",
        WAIT,
        () ->
            nodeProcess(node).map(p -> p.pid() != victim.pid()).orElse(false)
                && api.get(other).nodes().value().stream()
                        .filter(n -> n.status().equals("up"))
                        .count()
                    == 3,
        this::devOutput);
    assertTrue(devOutput().contains("node " + node + " (pid " + victim.pid() + ") exited"));
    // every node's API (the restarted one's listens shortly after it joined) lists it once
    for (ApiClient a : api) {
      await(
          "the agent is listed once, connected, by " + a.server(),
          WAIT,
          () -> {
            List<Dto.AgentSummary> listed =
                a.agents().value().stream().filter(x -> x.name().equals(name)).toList();
            return listed.size() == 1 && listed.get(0).connected();
          },
          () -> a.agents().value());
    }
    started.addAll(dev.descendants().toList());

    dev.destroy(); // SIGTERM
    assertTrue(dev.waitFor(90, TimeUnit.SECONDS), devOutput());
    awaitEveryStartedProcessStopped();
    assertTrue(started.size() >= 4, "the three nodes and the one started again: " + started);
    assertFalse(victim.isAlive());
  }

  @Test
  void aNodeThatCannotStartStopsDevWithItsErrorAndNoNodeIsLeftRunning() throws Exception {
    Path examples = noopExamples();
    int base = freeBase();
    try (ServerSocket taken =
        new ServerSocket(base + 11, 1, InetAddress.getLoopbackAddress())) { // node 2's API port
      dev = startDev(examples, base);
      await(
          "dev started the three nodes",
          WAIT,
          () -> {
            started.addAll(dev.descendants().toList());
            return started.size() >= 3 || !dev.isAlive();
          },
          this::devOutput);
      assertTrue(dev.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), devOutput());
      assertEquals(1, dev.exitValue(), devOutput());
    }
    String out = devOutput();
    assertTrue(
        out.contains("node 2 exited with status 1 before the cluster formed; not started again")
            && out.contains("Address already in use")
            && out.contains("error: node(s) [2] exited while the cluster was forming"),
        out);
    awaitEveryStartedProcessStopped();
  }

  /** Every process dev started (its nodes, and those started again) has ended. */
  private void awaitEveryStartedProcessStopped() {
    for (ProcessHandle p : started) {
      await(
          "process " + p.pid() + " started by dev has stopped",
          Duration.ofSeconds(40),
          () -> !p.isAlive(),
          () -> p.info().commandLine().orElse("?"));
    }
  }

  /**
   * Examples with a no-op task for the dev agent's labels (nothing outside the test's directory).
   */
  private Path noopExamples() throws IOException {
    Path examples = tmp.resolve("examples");
    Files.createDirectories(examples.resolve("manifests"));
    Files.writeString(
        examples.resolve("manifests/noop.fluke.hcl"),
        """
        task "noop" {
          selector { match_labels = { role = "demo" } }
          shell "nothing" {
            check   = "true"
            command = "true"
          }
        }
        """);
    return examples;
  }

  private static Optional<Dto.AgentSummary> connected(ApiClient api, String name) {
    return api.agents().value().stream()
        .filter(a -> a.name().equals(name) && a.connected())
        .findFirst();
  }

  /** The node number (from 1) of a cluster address of this test's ports. */
  private static int nodeNumber(String address, int base) {
    for (int i = 0; i < 3; i++) {
      if (address.endsWith(":" + (base + 2 + 10 * i))) {
        return i + 1;
      }
    }
    throw new AssertionError("not a node of this cluster: " + address);
  }

  /**
   * The running process of node {@code node}: the last pid dev printed for it (its banner, then
   * "started again, pid N"), if that is a live child of dev.
   */
  private Optional<ProcessHandle> nodeProcess(int node) {
    Matcher m =
        Pattern.compile("(?:Node " + node + ":.*pid |node " + node + " started again, pid )(\\d+)")
            .matcher(devOutput());
    long pid = -1;
    while (m.find()) {
      pid = Long.parseLong(m.group(1));
    }
    long last = pid;
    return dev.children().filter(p -> p.pid() == last && p.isAlive()).findFirst();
  }

  private Process startDev(Path examples, int base) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        List.of(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx384m",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.fluke.app.Main",
            "dev",
            "--nodes",
            "3",
            "--dir",
            tmp.resolve("dev").toString(),
            "--examples",
            examples.toString(),
            "--grpc-port",
            Integer.toString(base),
            "--http-port",
            Integer.toString(base + 1));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("dev.out").toFile());
    pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    return pb.start();
  }

  private String devOutput() {
    return Fleet.read(tmp.resolve("dev.out"));
  }

  /** A port p with p … p + 2, p + 10 … p + 12 and p + 20 … p + 22 all free on loopback. */
  private static int freeBase() {
    Random random = new Random();
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + random.nextInt(30_000);
      if (allFree(base)) {
        return base;
      }
    }
    throw new AssertionError("no free block of ports found");
  }

  private static boolean allFree(int base) {
    for (int node = 0; node < 3; node++) {
      for (int k = 0; k < 3; k++) {
        try (ServerSocket s =
            new ServerSocket(base + 10 * node + k, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          return false;
        }
      }
    }
    return true;
  }
}

package dev.fluke.cluster;

import dev.fluke.server.AgentAdmission;
import dev.fluke.server.SessionTokens;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * Benchmark, run by hand, never by the test suite (it measures, it asserts nothing; figures go to
 * docs/performance.md, "Cluster failover"): the heap the agent directory costs per agent, on every
 * node. Three cluster nodes in this JVM over real Artery on loopback, each with its real directory
 * actor ({@link AgentLocations}) and record of received results ({@link ClusterReceipts}); N agents
 * are admitted through the real admission (a third on each node, as a fleet spreads), then each
 * holder records {@code keys} received results per agent (the newest 16 are kept); once every
 * node's replicas have every entry and every agent's keys, the used heap after a full collection is
 * compared with the one before the agents. Every node holds a full replica and its own view of it,
 * so the difference divided by N is the directory's cost per agent for the whole three-node
 * cluster. Runs in a JVM of its own:
 *
 * <pre>
 * mvn -B -pl fluke-actors -am test-compile -Dfluke.cds.skip=true
 * mvn -B -q -pl fluke-actors dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -Xmx2g -cp "fluke-actors/target/test-classes:fluke-actors/target/classes:$(cat fluke-actors/cp.txt)" \
 *     dev.fluke.cluster.DirectoryHeapBench [agents] [keys]     # default 10000 16
 * </pre>
 */
final class DirectoryHeapBench {
  private DirectoryHeapBench() {}

  private static final Duration WAIT = Duration.ofMinutes(5);

  public static void main(String[] args) throws Exception {
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int keys = args.length > 1 ? Integer.parseInt(args[1]) : ReceivedKeys.KEPT;
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      List<ActorRef<AgentLocations.Command>> dirs = new ArrayList<>();
      List<AgentAdmission> admissions = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        dirs.add(AgentLocations.start(nodes.node(i)));
        admissions.add(AgentLocations.admission(dirs.get(i), ClusterReceipts.start(nodes.node(i))));
      }
      fill(admissions, "warm-", 300, keys); // classes, pools, the replicator's first gossip
      awaitEntries(nodes, dirs, 300, keys);
      long before = usedHeap();

      long cpu0 = cpu();
      fill(admissions, "host-", agents, keys);
      awaitEntries(nodes, dirs, 300 + agents, keys);
      long cpu = cpu() - cpu0;
      long after = usedHeap();

      double perAgent = (after - before) / (double) agents;
      System.out.printf(
          "fluke directory heap: %d agents, %d received keys each, 3 nodes in one JVM, Java %s%n",
          agents, keys, System.getProperty("java.version"));
      System.out.printf(
          "  used heap after GC                     %d MiB before, %d MiB after%n",
          before >> 20, after >> 20);
      System.out.printf(
          "  directory, the whole cluster           %.0f bytes (%.2f KiB) per agent%n",
          perAgent, perAgent / 1024);
      System.out.printf(
          "  directory, per node                    %.0f bytes per agent%n", perAgent / 3);
      System.out.printf(
          "  process CPU for admitting and recording %.1f ms per agent (3 nodes)%n",
          cpu / 1e6 / agents);
    }
  }

  /** Admits {@code n} agents, a third on each node, then records {@code keys} results for each. */
  private static void fill(List<AgentAdmission> admissions, String prefix, int n, int keys) {
    long[] epochs = new long[n];
    List<CompletableFuture<?>> wave = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int at = i;
      String token = SessionTokens.hash(SessionTokens.next());
      wave.add(
          admissions
              .get(i % 3)
              .admit(prefix + i + ".example.org", null, token)
              .toCompletableFuture()
              .thenAccept(
                  d -> {
                    if (d.refusal() != null) {
                      throw new IllegalStateException(d.refusal());
                    }
                    epochs[at] = d.epoch();
                  }));
      if (wave.size() == 500) {
        joinAll(wave);
      }
    }
    joinAll(wave);
    for (int k = 0; k < keys; k++) {
      for (int i = 0; i < n; i++) {
        String key = ((epochs[i] << 32) + 1000 + k) + "/deploy_app_" + Integer.toHexString(i * 31);
        wave.add(
            admissions.get(i % 3).received(prefix + i + ".example.org", key).toCompletableFuture());
        if (wave.size() == 500) {
          joinAll(wave);
        }
      }
    }
    joinAll(wave);
  }

  private static void joinAll(List<CompletableFuture<?>> wave) {
    CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new))
        .orTimeout(5, TimeUnit.MINUTES)
        .join();
    wave.clear();
  }

  /**
   * Waits until every node's replicas have {@code n} entries and {@code keys} results of each
   * agent.
   */
  private static void awaitEntries(
      ClusterNodes nodes, List<ActorRef<AgentLocations.Command>> dirs, int n, int keys)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int want = Math.min(keys, ReceivedKeys.KEPT);
    for (int i = 0; i < dirs.size(); i++) {
      while (true) {
        Map<String, AgentLocation> all =
            AskPattern.<AgentLocations.Command, Map<String, AgentLocation>>ask(
                    dirs.get(i),
                    AgentLocations.GetAll::new,
                    Duration.ofSeconds(30),
                    nodes.node(i).scheduler())
                .toCompletableFuture()
                .join();
        if (all.size() >= n && receipts(nodes, i) >= (long) n * want) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("node " + i + " has " + all.size() + " of " + n);
        }
        Thread.sleep(500); // a benchmark's poll, not a test's wait
      }
    }
  }

  /** The received results node {@code i}'s replicas keep, of every agent. */
  private static long receipts(ClusterNodes nodes, int i) {
    long kept = 0;
    for (int shard = 0; shard < AgentLocations.SHARDS; shard++) {
      ReceivedKeys.ShardKey key = ClusterReceipts.key(shard);
      Replicator.GetResponse<ReceivedKeys> rsp =
          AskPattern.<Replicator.Command, Replicator.GetResponse<ReceivedKeys>>ask(
                  DistributedData.get(nodes.node(i)).replicator(),
                  replyTo -> new Replicator.Get<>(key, Replicator.readLocal(), replyTo),
                  Duration.ofSeconds(30),
                  nodes.node(i).scheduler())
              .toCompletableFuture()
              .join();
      if (rsp instanceof Replicator.GetSuccess<ReceivedKeys> ok) {
        kept += ok.get(key).kept();
      }
    }
    return kept;
  }

  private static long usedHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      Runtime r = Runtime.getRuntime();
      used = Math.min(used, r.totalMemory() - r.freeMemory());
    }
    return used;
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}

package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.junit.jupiter.api.Test;

class ClusterGaugesTest {
  private static final String A = "pekko://fluke-server@10.0.0.1:7072";
  private static final String B = "pekko://fluke-server@10.0.0.2:7072";
  private static final String C = "pekko://fluke-server@10.0.0.3:7072";

  @Test
  void gaugesCountMembersByStatusUnreachablesAndSayWhetherThisNodeLeadsAndRunsTheSingleton()
      throws IOException {
    List<Membership.Node> members =
        List.of(
            new Membership.Node(A, "up", true, true, true),
            new Membership.Node(B, "up", false, false, false),
            new Membership.Node(C, "leaving", true, false, false));
    ClusterGauges.DirectoryCounts directory = new ClusterGauges.DirectoryCounts();
    directory.count(
        3,
        List.of(
            new AgentLocation(A, 1, true),
            new AgentLocation(B, 2, true),
            new AgentLocation(B, 1, false)));
    directory.count(7, List.of(new AgentLocation(C, 4, true)));
    PrometheusRegistry registry = new PrometheusRegistry();
    new ClusterGauges(() -> members, () -> A, directory).register(registry);

    String text = scrape(registry);
    assertTrue(text.contains("fluke_cluster_members{status=\"up\"} 2.0"), text);
    assertTrue(text.contains("fluke_cluster_members{status=\"leaving\"} 1.0"), text);
    assertTrue(text.contains("fluke_cluster_members{status=\"down\"} 0.0"), text);
    assertTrue(text.contains("fluke_cluster_unreachable_members 1.0"), text);
    assertTrue(text.contains("fluke_cluster_leader 1.0"), text);
    assertTrue(text.contains("fluke_cluster_git_singleton 1.0"), text);
    assertTrue(text.contains("fluke_cluster_directory_agents{state=\"live\"} 3.0"), text);
    assertTrue(text.contains("fluke_cluster_directory_agents{state=\"ended\"} 1.0"), text);

    // A shard recounted replaces its old counts.
    directory.count(3, List.of());
    PrometheusRegistry other = new PrometheusRegistry();
    new ClusterGauges(() -> members, () -> B, directory).register(other);
    String again = scrape(other);
    assertTrue(again.contains("fluke_cluster_git_singleton 0.0"), again);
    assertTrue(again.contains("fluke_cluster_directory_agents{state=\"live\"} 1.0"), again);
    assertTrue(again.contains("fluke_cluster_directory_agents{state=\"ended\"} 0.0"), again);
  }

  @Test
  void onThreeRealNodesOneLeadsOneRunsTheSingletonAndEveryNodeCountsTheDirectory()
      throws Exception {
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      List<PrometheusRegistry> registries = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        PrometheusRegistry r = new PrometheusRegistry();
        ClusterGauges.register(nodes.node(i), r);
        registries.add(r);
      }
      for (PrometheusRegistry r : registries) {
        String text = scrape(r);
        assertTrue(text.contains("fluke_cluster_members{status=\"up\"} 3.0"), text);
        assertTrue(text.contains("fluke_cluster_unreachable_members 0.0"), text);
      }
      assertEquals(1, sum(registries, "fluke_cluster_leader 1.0"), "one leader");
      assertEquals(1, sum(registries, "fluke_cluster_git_singleton 1.0"), "one singleton");

      // An agent's entry written on node 0 is counted by every node's replica.
      ActorSystem<Void> zero = nodes.node(0);
      SelfUniqueAddress self = DistributedData.get(zero).selfUniqueAddress();
      AgentLocation web01 = new AgentLocation(nodes.address(0), 1, true);
      Function<LWWMap<String, AgentLocation>, LWWMap<String, AgentLocation>> put =
          m -> m.put(self, "web-01", web01);
      DistributedData.get(zero)
          .replicator()
          .tell(
              new Replicator.Update<>(
                  AgentLocations.key(AgentLocations.shardOf("web-01")),
                  LWWMap.create(),
                  Replicator.writeLocal(),
                  zero.ignoreRef(),
                  put));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> sum(registries, "fluke_cluster_directory_agents{state=\"live\"} 1.0") == 3);
    }
  }

  private static long sum(List<PrometheusRegistry> registries, String line) throws IOException {
    long n = 0;
    for (PrometheusRegistry r : registries) {
      if (scrape(r).contains(line)) {
        n++;
      }
    }
    return n;
  }

  private static String scrape(PrometheusRegistry registry) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }
}

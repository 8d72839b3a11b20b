package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.ReceivedResults;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;

/**
 * What the agent directory costs per agent: one shard of realistic entries (long names, a full list
 * of received result keys) serialized as Distributed Data replicates it. Issue 8's budget is 10 KiB
 * per agent cluster-wide; a replica on each of 5 nodes must stay well inside it.
 */
class AgentDirectorySizeTest {
  private static final int AGENTS = 300;

  @Test
  void anAgentsDirectoryEntryStaysFarBelowTheBudgetOnFiveNodes() {
    try (ClusterNodes nodes = ClusterNodes.start(1)) {
      SelfUniqueAddress self = DistributedData.get(nodes.node(0)).selfUniqueAddress();
      LWWMap<String, AgentLocation> shard = LWWMap.create();
      // Varied names and keys: the replicator compresses large values, and repeated text would
      // compress to nearly nothing.
      java.util.Random random = new java.util.Random(42);
      for (int i = 0; i < AGENTS; i++) {
        List<Long> received = new ArrayList<>();
        for (int r = 0; r < AgentLocation.RECEIVED_KEPT; r++) {
          received.add(
              ReceivedResults.fingerprint(
                  ((7L << 32) + random.nextInt(1_000_000))
                      + "/deploy_"
                      + Long.toHexString(random.nextLong())));
        }
        AgentLocation l =
            new AgentLocation(
                "pekko://fluke-server@10.200.100." + random.nextInt(256) + ":7072",
                random.nextInt(100),
                true,
                received);
        shard = shard.put(self, "host-" + Long.toHexString(random.nextLong()) + ".example.org", l);
      }
      byte[] bytes = SerializationExtension.get(nodes.node(0)).serialize(shard).get();
      double perAgent = (double) bytes.length / AGENTS;
      System.out.printf("directory entry: %.0f bytes per agent per node%n", perAgent);
      assertTrue(perAgent * 5 < 10 * 1024, perAgent + " bytes per agent per node");
    }
  }
}

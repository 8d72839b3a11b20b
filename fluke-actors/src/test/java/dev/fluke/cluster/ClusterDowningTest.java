package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.junit.jupiter.api.Test;

class ClusterDowningTest {

  @Test
  void aDownedNodeShutsItselfDownWithTheDowningReasonAndTheOthersCarryOn() {
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      Cluster.get(nodes.node(0))
          .manager()
          .tell(new Down(Cluster.get(nodes.node(2)).selfMember().address()));

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> nodes.node(2).whenTerminated().isCompleted());
      assertTrue(ClusterBoot.downed(nodes.node(2)));
      assertFalse(ClusterBoot.downed(nodes.node(0)));
      nodes.awaitUp(2);
    }
  }

  @Test
  void aNodeThatLeavesIsNotDowned() {
    try (ClusterNodes nodes = ClusterNodes.start(2)) {
      nodes.node(1).terminate(); // runs coordinated shutdown: leave, then stop
      nodes.node(1).getWhenTerminated().toCompletableFuture().join();
      assertFalse(ClusterBoot.downed(nodes.node(1)));
      nodes.awaitUp(1);
    }
  }
}

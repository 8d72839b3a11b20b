package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.protocol.Rebalancing;
import dev.fluke.server.AgentAdmission;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/**
 * An agent just moved by rebalancing ({@code Register.moved}) is sent on by a node that holds its
 * share already and admitted by one below it, so a rebalancing round moves each agent once (docs/
 * cluster.md, "Rebalancing"). Two nodes over Artery, each with its directory.
 */
class MovedAgentAdmissionTest {
  @Test
  void aNodeAtItsShareSendsAMovedAgentOnAndANodeBelowItTakesIt() throws Exception {
    try (ClusterNodes nodes = ClusterNodes.start(2)) {
      ActorRef<AgentLocations.Command> directoryA = AgentLocations.start(nodes.node(0));
      AgentAdmission a = AgentLocations.admission(directoryA, ClusterReceipts.start(nodes.node(0)));
      ActorRef<AgentLocations.Command> directoryB = AgentLocations.start(nodes.node(1));
      AgentAdmission b = AgentLocations.admission(directoryB, ClusterReceipts.start(nodes.node(1)));

      // a holds 3 agents, b one: 4 agents on 2 nodes, a share of 2
      for (String name : new String[] {"web-01", "web-02", "web-03"}) {
        assertTrue(decide(a.admit(name, null, "t-" + name)).admitted(), name);
      }
      assertTrue(decide(b.admit("db-01", null, "t-db-01")).admitted());
      awaitEntries(nodes.node(0), directoryA, 4);
      awaitEntries(nodes.node(1), directoryB, 4);

      AgentAdmission.Decision sentOn = decide(a.admit("web-04", null, "t4", true));
      assertFalse(sentOn.admitted());
      assertTrue(Rebalancing.describes(sentOn.refusal()), sentOn.refusal());
      assertTrue(
          sentOn.refusal().contains("holds 3 of the 4 agents on 2 nodes (its share: 2)"),
          sentOn.refusal());

      // the same agent at b, below its share: admitted
      AgentAdmission.Decision taken = decide(b.admit("web-04", null, "t4", true));
      assertTrue(taken.admitted(), taken.toString());

      // an agent not moved by rebalancing is admitted by a as before
      assertTrue(decide(a.admit("web-05", null, "t5")).admitted());
    }
  }

  private static AgentAdmission.Decision decide(CompletionStage<AgentAdmission.Decision> d)
      throws Exception {
    return d.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Waits until {@code directory}'s replicas (on {@code node}) hold {@code n} entries. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void awaitEntries(
      ActorSystem<?> node, ActorRef<AgentLocations.Command> directory, int n) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              TestProbe<Map> probe = TestProbe.create(node);
              directory.tell(new AgentLocations.GetAll((ActorRef) probe.getRef()));
              return probe.expectMessageClass(Map.class).size() == n;
            });
  }
}

package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentAdmission;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/**
 * A registration whose stream ended while the directory was deciding is never written: written, the
 * entry of an agent that meanwhile registered on another node would fence its live session there.
 * Three nodes over Artery; the abandonment arrives while the admission's majority read is in
 * flight.
 */
class AbandonedAdmissionTest {
  @Test
  void anAdmissionAbandonedBeforeItsWriteIsRefusedAndLeavesNoEntry() throws Exception {
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      ActorRef<AgentLocations.Command> directory = AgentLocations.start(nodes.node(0));
      AgentAdmission admission =
          AgentLocations.admission(directory, ClusterReceipts.start(nodes.node(0)));
      for (int i = 1; i < 3; i++) {
        AgentLocations.start(nodes.node(i));
      }

      // A registration abandoned right after it was sent (same sender, same order: the
      // abandonment reaches the directory while the admission's majority read is in flight).
      var decision = admission.admit("web-02", null, "t2");
      admission.abandoned("web-02");
      AgentAdmission.Decision d = decision.toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertFalse(d.admitted());
      assertEquals(ClusterAdmission.abandoned(), d);

      TestProbe<AgentLocations.Located> probe = TestProbe.create(nodes.node(0));
      directory.tell(new AgentLocations.Locate("web-02", probe.getRef()));
      assertNull(probe.expectMessageClass(AgentLocations.Located.class).location(), "no entry");

      // The agent registers again: admitted, with the first epoch (nothing was written before).
      AgentAdmission.Decision again =
          admission.admit("web-02", null, "t3").toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(again.admitted(), again.toString());
      assertEquals(1, again.epoch());
    }
  }
}

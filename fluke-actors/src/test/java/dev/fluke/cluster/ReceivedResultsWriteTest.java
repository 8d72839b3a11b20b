package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentAdmission;
import dev.fluke.server.ReceivedResults;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Results received on one node reach the agent directory of the cluster, so the node the agent
 * moves to knows them, also when many arrive at once and go to the directory batched by shard
 * (several of one agent in one write).
 */
class ReceivedResultsWriteTest {
  @Test
  void aBurstOfResultsIsKnownOnTheNodeTheAgentMovesTo() throws Exception {
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      AgentAdmission first = AgentLocations.admission(AgentLocations.start(nodes.node(0)));
      AgentAdmission next = AgentLocations.admission(AgentLocations.start(nodes.node(1)));
      AgentLocations.start(nodes.node(2));

      List<String> agents = new ArrayList<>();
      List<Long> epochs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String name = "web-" + i;
        AgentAdmission.Decision d =
            first.admit(name, null, "token-" + i).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(d.admitted(), name + ": " + d);
        agents.add(name);
        epochs.add(d.epoch());
      }

      // Every agent's three results at once: the first write of a shard is in flight while the
      // others arrive, so they go together, several of one agent in one write.
      List<CompletableFuture<Void>> written = new ArrayList<>();
      for (int r = 1; r <= 3; r++) {
        for (int i = 0; i < agents.size(); i++) {
          written.add(
              first.received(agents.get(i), epochs.get(i), r + "/deploy").toCompletableFuture());
        }
      }
      CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      Set<Long> expected = new HashSet<>();
      for (int r = 1; r <= 3; r++) {
        expected.add(ReceivedResults.fingerprint(r + "/deploy"));
      }
      for (int i = 0; i < agents.size(); i++) {
        // The same host presents its session's token (its hash, as the registry passes it): node 1
        // takes it over and reads its entry.
        AgentAdmission.Decision moved =
            next.admit(agents.get(i), "token-" + i, "token-b-" + i)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertTrue(moved.admitted(), agents.get(i) + ": " + moved);
        assertEquals(expected, new HashSet<>(moved.received()), agents.get(i));
      }
    }
  }
}

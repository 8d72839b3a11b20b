package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentAdmission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Results received on one node reach the cluster's record of received results ({@link
 * ClusterReceipts}), so the node the agent moves to finds a result the agent re-sends: also when
 * many arrive at once and go batched by shard (several of one agent in one write), and also when
 * the node that received it had already lost the agent to another node's admission (its session was
 * about to be fenced: the directory entry it would have written into was no longer its own).
 */
class ReceivedResultsWriteTest {
  private static AgentAdmission node(ClusterNodes nodes, int i) {
    return AgentLocations.admission(
        AgentLocations.start(nodes.node(i)), ClusterReceipts.start(nodes.node(i)));
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aResultRecordedOnAnyNodeIsFoundOnTheNodeTheAgentMovesTo() throws Exception {
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      AgentAdmission first = node(nodes, 0);
      AgentAdmission next = node(nodes, 1);
      AgentAdmission third = node(nodes, 2);

      List<String> agents = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String name = "web-" + i;
        AgentAdmission.Decision d = get(first.admit(name, null, "token-" + i));
        assertTrue(d.admitted(), name + ": " + d);
        agents.add(name);
      }

      // Every agent's three results at once: the first write of a shard is in flight while the
      // others arrive, so they go together, several of one agent in one write.
      List<CompletableFuture<Void>> written = new ArrayList<>();
      for (int r = 1; r <= 3; r++) {
        for (String agent : agents) {
          written.add(first.received(agent, r + "/deploy").toCompletableFuture());
        }
      }
      CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      for (int i = 0; i < agents.size(); i++) {
        String agent = agents.get(i);
        // The same host presents its session's token: node 1 takes it over.
        AgentAdmission.Decision moved = get(next.admit(agent, "token-" + i, "token-b-" + i));
        assertTrue(moved.admitted(), agent + ": " + moved);
        for (int r = 1; r <= 3; r++) {
          assertTrue(get(next.recorded(agent, r + "/deploy")), agent + " result " + r);
        }
        assertFalse(get(next.recorded(agent, "4/deploy")), agent + ": never received");
      }

      // Node 0's session of web-0 was superseded by node 1's admission, and then received a result
      // (re-sent to it before it was fenced): recorded there, it must be found by the next node.
      assertTrue(get(first.received("web-0", "99/late")) == null);
      AgentAdmission.Decision again = get(third.admit("web-0", "token-b-0", "token-c-0"));
      assertTrue(again.admitted(), again.toString());
      assertTrue(get(third.recorded("web-0", "99/late")), "found after two moves");
      assertFalse(get(third.recorded("web-1", "99/late")), "another agent's result is not");
    }
  }
}

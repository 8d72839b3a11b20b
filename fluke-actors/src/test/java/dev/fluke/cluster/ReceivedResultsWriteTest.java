package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentAdmission;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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

  @Test
  void aResultNotInTheRecordIsAskedOfTheOtherNodesRegistries() throws Exception {
    try (ClusterNodes nodes = ClusterNodes.start(3)) {
      AgentAdmission here = node(nodes, 0);
      for (int i = 1; i < 3; i++) {
        AgentLocations.start(nodes.node(i));
        ClusterReceipts.start(nodes.node(i));
      }
      // Node 1's registry received web-9's result 7/app, whose write to the record (a busy node)
      // was never confirmed: here it is not in the record, but node 1 says so.
      ActorRef<AgentRegistry.Command> registry =
          nodes
              .node(1)
              .systemActorOf(
                  Behaviors.receive(AgentRegistry.Command.class)
                      .onMessage(
                          AgentRegistry.HasReceived.class,
                          q -> {
                            q.replyTo().tell(q.name().equals("web-9") && q.key().equals("7/app"));
                            return Behaviors.same();
                          })
                      .build(),
                  "registry",
                  Props.empty());
      nodes
          .node(1)
          .systemActorOf(
              NodeService.create(registry, Duration.ofSeconds(5), "test"),
              "fluke-node",
              Props.empty());

      await().atMost(Duration.ofSeconds(30)).until(() -> get(here.recorded("web-9", "7/app")));
      assertFalse(get(here.recorded("web-9", "8/app")));
      assertFalse(get(here.recorded("web-8", "7/app")));
    }
  }
}

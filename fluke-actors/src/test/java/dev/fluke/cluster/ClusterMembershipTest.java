package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentRegistry;
import java.io.Serializable;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three server nodes in one JVM over real Artery on loopback, configured as a cluster block does.
 */
class ClusterMembershipTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static ClusterNodes nodes;

  @BeforeAll
  static void start() {
    nodes = ClusterNodes.start(3);
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void threeNodesJoinAndEachSeesAllThreeUpWithOneLeader() {
    for (int i = 0; i < 3; i++) {
      Membership m = Membership.of(nodes.node(i));
      assertEquals(3, m.members().size());
      assertTrue(m.members().stream().allMatch(n -> n.status().equals("up") && n.reachable()));
      assertEquals(1, m.members().stream().filter(Membership.Node::leader).count());
      assertEquals(
          java.util.List.of(nodes.address(i)),
          m.members().stream()
              .filter(Membership.Node::self)
              .map(Membership.Node::address)
              .toList());
      assertTrue(m.selfUp());
      for (int j = 0; j < 3; j++) {
        assertEquals(Placement.NodeState.SERVING, m.state(nodes.address(j)));
      }
      assertEquals(Placement.NodeState.GONE, m.state("pekko://fluke-server@127.0.0.1:1"));
    }
  }

  @Test
  void aQuestionToAnotherNodeTravelsAsCborThroughTheReceptionist() {
    // Node 2's registry says "web-01 is live here"; node 0 asks node 2's service over Artery.
    ActorRef<AgentRegistry.Command> registry =
        nodes
            .node(2)
            .systemActorOf(
                Behaviors.receive(AgentRegistry.Command.class)
                    .onMessage(
                        AgentRegistry.IsLive.class,
                        q -> {
                          q.replyTo().tell(q.name().equals("web-01"));
                          return Behaviors.same();
                        })
                    .build(),
                "registry-stub",
                org.apache.pekko.actor.typed.Props.empty());
    nodes
        .node(2)
        .systemActorOf(
            NodeService.create(registry, TIMEOUT, "test"),
            "node-service",
            org.apache.pekko.actor.typed.Props.empty());

    await()
        .atMost(TIMEOUT)
        .ignoreExceptions()
        .until(
            () ->
                NodeQuestions.isLive(nodes.node(0), nodes.address(2), "web-01", TIMEOUT)
                    .toCompletableFuture()
                    .get());
    assertFalse(
        NodeQuestions.isLive(nodes.node(0), nodes.address(2), "db-01", TIMEOUT)
            .toCompletableFuture()
            .join());
  }

  record Marked(String text) implements CborSerializable {}

  record Unmarked(String text) implements Serializable {}

  @Test
  void messagesMarkedCborSerializableAreCborAndJavaSerializationIsRefused() {
    var serialization = SerializationExtension.get(nodes.node(0));
    assertEquals(
        "JacksonCborSerializer",
        serialization.findSerializerFor(new Marked("x")).getClass().getSimpleName());
    byte[] bytes = serialization.serialize(new Marked("hello")).get();
    assertEquals(new Marked("hello"), serialization.deserialize(bytes, Marked.class).get());
    assertTrue(serialization.serialize(new Unmarked("x")).isFailure());
  }
}

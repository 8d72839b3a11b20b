package dev.fluke.server;

import static dev.fluke.server.ClusterEngines.WAIT;
import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.Rebalancing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rebalancing (docs/cluster.md): three nodes over Artery on loopback, every agent connected to node
 * 0 (as after the two others restarted). Once the membership has settled, node 0 ends the streams
 * of idle agents above its share, with a status that says why; each moved agent reconnects to
 * another node, as a real agent does with the next entry of its server_urls. Nothing moves while
 * the fleet is still growing; an agent in the middle of a cycle is never moved, and the nodes under
 * their share move nothing.
 */
class ClusterRebalanceTest {
  @TempDir static Path tmp;
  private static ClusterEngines engines;
  private static final Map<String, String> WEB = Map.of("role", "web");

  @BeforeAll
  static void start() {
    engines =
        ClusterEngines.start(
            tmp,
            3,
            task("app", "alert_only", "shell:x", "role=web"),
            ConfigFactory.parseString(
                "fluke.cluster.rebalance { interval = 300ms, settle = 1500ms, max-per-round = 3 }"));
    for (int i = 0; i < 3; i++) {
      engines.awaitManifest(i);
    }
  }

  @AfterAll
  static void stop() {
    engines.close();
  }

  private static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aNodeAboveItsShareHandsIdleAgentsToTheOthersAndABusyOneStays() {
    FlukeServer node0 = engines.servers.get(0);
    // one agent whose check is left unanswered: its cycle stays in flight
    TestAgent busy = TestAgent.connect(node0.gateway(), engines.nodes.node(0), "peer-busy");
    busy.register("busy", WEB);
    busy.expectCheck("app");
    // The others connect one after the other, a quarter of a second apart, and go idle at once:
    // while the fleet grows nothing moves, though node 0 is far above its share all along.
    Map<String, TestAgent> idle = new HashMap<>();
    for (int i = 0; i < 11; i++) {
      String name = "idle-" + i;
      TestAgent a = TestAgent.connect(node0.gateway(), engines.nodes.node(0), "peer-" + name);
      a.register(name, WEB);
      a.reportCheck(a.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
      idle.put(name, a);
      pause(250);
    }
    assertEquals(
        List.of(),
        join(node0.events().query(new EventQuery(null, null, "moved", 100))),
        "no agent moves while the fleet is still coming up");
    // 12 agents on 3 nodes: share 4, node 0 may keep 6; it sheds down to 4, 3 per round.
    List<String> moved = new ArrayList<>();
    int next = 1;
    while (moved.size() < 8) {
      Event e =
          await()
              .atMost(WAIT)
              .until(
                  () ->
                      join(node0.events().query(new EventQuery(null, null, "moved", 100))).stream()
                          .filter(x -> !moved.contains(x.agent()))
                          .findFirst()
                          .orElse(null),
                  java.util.Objects::nonNull);
      assertTrue(e.message().contains("holds"), e.message());
      TestAgent a = idle.get(e.agent());
      assertTrue(a != null, "only idle agents move, not " + e.agent());
      a.out.request(1);
      Throwable ended = a.out.expectError();
      assertInstanceOf(Rebalancing.class, ended);
      assertTrue(Rebalancing.describes(ended.getMessage()), ended.getMessage());
      a.in.sendComplete(); // the agent's side closes as the gRPC call ends
      moved.add(e.agent());
      int to = next;
      next = next == 1 ? 2 : 1;
      TestAgent again =
          await()
              .atMost(WAIT)
              .until(
                  () -> engines.registered(to, e.agent(), "again-" + e.agent()),
                  java.util.Objects::nonNull);
      again.reportCheck(again.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    }
    // settled: node 0 holds its share (the busy agent among them); nothing more moves
    List<Dto.AgentSummary> fleet =
        await()
            .atMost(WAIT)
            .until(
                () -> join(engines.servers.get(2).fleetApi().agents()),
                l -> l.stream().filter(Dto.AgentSummary::connected).count() == 12);
    Map<String, Long> byNode = new HashMap<>();
    for (Dto.AgentSummary s : fleet) {
      byNode.merge(s.node(), 1L, Long::sum);
    }
    assertEquals(4L, byNode.get(engines.nodes.address(0)), byNode.toString());
    assertEquals(
        engines.nodes.address(0),
        fleet.stream().filter(s -> s.name().equals("busy")).findFirst().orElseThrow().node(),
        "the agent in the middle of a cycle stays");
    pause(2_000); // several rounds past the settle time
    for (int n = 0; n < 3; n++) {
      List<Event> movedHere =
          join(engines.servers.get(n).events().query(new EventQuery(null, null, "moved", 100)));
      assertEquals(n == 0 ? 8 : 0, movedHere.size(), "moved by node " + n + ": " + movedHere);
      assertEquals(
          n == 0 ? 8.0 : 0.0,
          java.util.Objects.requireNonNullElse(
              dev.fluke.metrics.MetricSamples.value(
                  engines.servers.get(n).metrics(), "fluke_agent_moves_total"),
              0.0),
          "fluke_agent_moves_total of node " + n);
    }
  }
}

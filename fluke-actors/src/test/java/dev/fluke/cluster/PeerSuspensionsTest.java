package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.FleetApi;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.server.SuspensionBook;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Asking the other nodes for their suspensions (two nodes over real Artery): a member that answers
 * nothing keeps the answer from counting, naming it; a member without a suspension keeper (an older
 * version) is asked through its node service.
 */
class PeerSuspensionsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static ClusterNodes nodes;

  @BeforeAll
  static void start() {
    nodes = ClusterNodes.start(2);
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  /** An engine that answers only {@code suspensions()}, with {@code held}. */
  private static FleetApi engineHolding(List<Suspension> held) {
    return (FleetApi)
        Proxy.newProxyInstance(
            FleetApi.class.getClassLoader(),
            new Class<?>[] {FleetApi.class},
            (proxy, method, args) -> {
              if (method.getName().equals("suspensions")) {
                return CompletableFuture.completedFuture(held);
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  @Test
  void aMemberThatDoesNotAnswerIsNamedAndOneWithoutAKeeperIsAskedThroughItsNodeService() {
    PeerSuspensions peers = new PeerSuspensions(nodes.node(0), Duration.ofSeconds(2));
    CompletionException none =
        assertThrows(CompletionException.class, () -> peers.books().toCompletableFuture().join());
    assertTrue(none.getCause().getMessage().contains(nodes.address(1)), none.getMessage());

    Suspension held =
        new Suspension(
            TargetKind.AGENT,
            "web-1",
            "alice",
            "disk swap",
            Instant.parse("2026-12-05T10:00:00Z"),
            null);
    nodes
        .node(1)
        .systemActorOf(
            NodeService.create(
                nodes.node(1).ignoreRef(), engineHolding(List.of(held)), WAIT, "older"),
            "fluke-cluster-node",
            Props.empty());
    List<SuspensionBook> books =
        await()
            .atMost(WAIT)
            .until(
                () -> peers.books().toCompletableFuture().exceptionally(t -> null).join(),
                b -> b != null);
    assertEquals(1, books.size());
    assertEquals(List.of(held), books.get(0).suspensions());
    assertTrue(books.get(0).loaded());
  }
}

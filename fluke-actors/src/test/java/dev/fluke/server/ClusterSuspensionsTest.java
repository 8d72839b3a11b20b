package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.cluster.ClusterBoot;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.cluster.PeerSuspensions;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suspensions known to a node that joins later (three full engines over real Artery on loopback,
 * per-node in-memory event stores, then a fourth node): the new node learns the suspension made
 * before it started from the other nodes, so the agent registered on it does not apply while
 * suspended; a resume made on another node lifts it there too.
 */
class ClusterSuspensionsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Config CLUSTER =
      ConfigFactory.parseString("pekko.cluster.split-brain-resolver.stable-after = 120s");

  @TempDir static Path tmp;
  private static ClusterEngines engines;
  private static ClusterNodes nodes;
  private static List<FlukeServer> servers;
  private static List<MemoryEventStore> stores;

  @BeforeAll
  static void start() {
    // All three engines first: a node's keeper waits for the others' to answer.
    engines = ClusterEngines.start(tmp, 3, task("app", null, "shell:x", "role=web"), CLUSTER);
    nodes = engines.nodes;
    servers = engines.servers;
    stores = engines.stores;
    for (int i = 0; i < 3; i++) {
      awaitServing(i);
    }
  }

  /** Node {@code i} has its manifests and knows the suspensions in force. */
  private static void awaitServing(int i) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                join(servers.get(i).fleetApi().manifest()).commit() != null
                    && servers.get(i).suspensionsPending().isEmpty());
  }

  @AfterAll
  static void stop() {
    engines.close();
  }

  private static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  /** What node {@code i}'s own keeper holds (not the merged list of every node). */
  private static List<Suspension> heldBy(int i) {
    ActorSystem<?> system = nodes.node(i);
    ActorRef<SuspensionKeeper.Command> keeper =
        await().atMost(WAIT).until(() -> keeperOf(system, nodes.address(i)), Objects::nonNull);
    return join(AskPattern.<SuspensionKeeper.Command, SuspensionBook>ask(
            keeper, SuspensionKeeper.GetBook::new, WAIT, system.scheduler()))
        .suspensions();
  }

  private static ActorRef<SuspensionKeeper.Command> keeperOf(ActorSystem<?> system, String node) {
    Receptionist.Listing listing =
        join(
            AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                system.receptionist(),
                r -> Receptionist.find(PeerSuspensions.KEY, r),
                WAIT,
                system.scheduler()));
    for (ActorRef<SuspensionKeeper.Command> k : listing.getServiceInstances(PeerSuspensions.KEY)) {
      if (ClusterBoot.addressOf(system, k).equals(node)) {
        return k;
      }
    }
    return null;
  }

  private static List<Event> blocked(MemoryEventStore store, String agent) {
    return join(store.query(new EventQuery(agent, null, null, 100))).stream()
        .filter(e -> e.outcome().equals("blocked"))
        .toList();
  }

  @Test
  void aNodeThatJoinsAfterASuspensionHoldsItsAgentsAppliesUntilAResumeOnAnotherNode() {
    Suspension.Change made =
        join(
            servers
                .get(0)
                .fleetApi()
                .suspend(TargetKind.TASK, "app", "alice", "freeze before the release", null));
    assertTrue(made.done(), made.message());

    // A fourth node with an in-memory store of its own joins after the suspension was made.
    int late = nodes.add(CLUSTER);
    engines.startServer(late);
    awaitServing(late);
    List<Suspension> held = heldBy(late);
    assertEquals(1, held.size(), held.toString());
    assertEquals("app", held.get(0).name());
    assertEquals("alice", held.get(0).by());
    assertEquals("freeze before the release", held.get(0).reason());
    // Adopted as one of the other nodes holds it (each node stamps it with its own clock).
    List<Suspension> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      others.addAll(heldBy(i));
    }
    assertTrue(others.contains(held.get(0)), others + " vs " + held);
    List<Suspension> listed = join(servers.get(late).fleetApi().suspensions());
    assertEquals(List.of("app"), listed.stream().map(Suspension::name).toList());

    // Its agent's drifted task is checked, and its apply held back by the suspension.
    TestAgent agent = TestAgent.connect(servers.get(late).gateway(), nodes.node(late), "late-peer");
    agent.register("web-late", Map.of("role", "web"));
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Event> b = blocked(stores.get(late), "web-late");
              assertEquals(1, b.size(), b.toString());
              assertTrue(
                  b.get(0).message().contains("task app is suspended by alice"),
                  b.get(0).message());
            });

    // A resume on another node lifts it on the new node: a new cycle (not an apply held over)
    // comes next, and its drift is now applied.
    // Node 1 tells the nodes its receptionist lists, which learns of a new node by gossip: a change
    // made before would name the new node as one that did not get it.
    await()
        .atMost(WAIT)
        .until(
            () ->
                join(servers.get(1).fleetApi().nodes()).stream()
                    .anyMatch(n -> n.address().equals(nodes.address(late)) && n.answered()));
    Suspension.Change resumed =
        join(servers.get(1).fleetApi().resume(TargetKind.TASK, "app", "bob"));
    assertTrue(resumed.done(), resumed.message());
    ServerMessage next = agent.next();
    ServerMessage.CheckRequest check = assertInstanceOf(ServerMessage.CheckRequest.class, next);
    agent.reportCheck(check, Map.of("app", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("app"), Outcome.APPLIED, Outcome.SATISFIED);
    assertEquals(List.of(), heldBy(late));
    assertEquals(1, blocked(stores.get(late), "web-late").size());
  }
}

package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.server.LiveHub;
import dev.fluke.server.ServerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live stream across three nodes over real Artery: a viewer on one node sees the updates of
 * every node (its own too), each once, and the recent output of an agent held elsewhere.
 */
class LiveRelayTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static ClusterNodes nodes;
  private static final List<LiveHub> hubs = new ArrayList<>();
  private static final List<LiveRelay> relays = new ArrayList<>();

  @BeforeAll
  static void start() {
    nodes = ClusterNodes.start(3);
    for (int i = 0; i < 3; i++) {
      LiveHub hub = new LiveHub(new ServerSettings.Live(64, 10, 10), new FlukeMetrics());
      hubs.add(hub);
      relays.add(LiveRelay.start(nodes.node(i), hub));
    }
    // Every node's topic knows the three instances (the receptionist has spread them).
    for (int i = 0; i < 3; i++) {
      int node = i;
      await()
          .atMost(WAIT)
          .until(
              () ->
                  AskPattern.<Topic.Command<LiveRelay.Envelope>, Topic.TopicStats>ask(
                              relays.get(node).topic(),
                              Topic::getTopicStats,
                              Duration.ofSeconds(5),
                              nodes.node(node).scheduler())
                          .toCompletableFuture()
                          .join()
                          .topicInstanceCount()
                      == 3);
    }
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void aViewerOnOneNodeSeesTheUpdatesOfEveryNodeOnce() {
    ConcurrentLinkedQueue<LiveUpdate> seen = new ConcurrentLinkedQueue<>();
    hubs.get(0).subscribe(u -> true).runWith(Sink.foreach(seen::add), nodes.node(0));
    await().atMost(WAIT).until(() -> hubs.get(0).subscribers() == 1);

    hubs.get(1).agentChanged("web-1");
    hubs.get(2).output("web-2", "app", "x", "line from node 2");
    hubs.get(0).agentChanged("web-0");
    hubs.get(2)
        .publishing(new dev.fluke.events.MemoryEventStore(10, 10, 10))
        .append(Event.simple("agent", "web-2", "registered", "hello"));
    hubs.get(1).manifestChanged(); // each node follows the commit itself: not relayed
    // A marker from each node, after its updates (one sender's updates arrive in order): once the
    // three are in, everything published before them is too.
    for (int i = 0; i < 3; i++) {
      hubs.get(i).agentChanged("marker-" + i);
    }

    await()
        .atMost(WAIT)
        .until(() -> seen.stream().filter(u -> u.agent().startsWith("marker")).count() >= 3);
    List<String> got = seen.stream().map(u -> u.kind() + ":" + u.agent()).sorted().toList();
    assertEquals(
        List.of(
            "agent:marker-0",
            "agent:marker-1",
            "agent:marker-2",
            "agent:web-0",
            "agent:web-1",
            "event:web-2",
            "output:web-2"),
        got);
    List<LiveUpdate> recent = hubs.get(0).recentOutput("web-2").toCompletableFuture().join();
    assertEquals(List.of("line from node 2"), recent.stream().map(LiveUpdate::line).toList());
  }
}

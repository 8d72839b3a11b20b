package dev.fluke.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fluke.cluster.ClusterEpisodes;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drift episodes known cluster-wide: three nodes over real Artery, each with its own {@link
 * DriftAlerter} on {@link ClusterEpisodes} and one webhook. An agent alerted on node A whose
 * reports then reach node B (it moved) does not alert again; once its episode ended, a new one
 * alerts wherever it is.
 */
class ClusterEpisodesTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static ClusterNodes nodes;
  private static WebhookReceiver webhook;
  private static final List<ActorRef<DriftAlerter.Command>> alerters = new ArrayList<>();
  private static final List<ClusterEpisodes> books = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    nodes = ClusterNodes.start(3);
    webhook = new WebhookReceiver();
    ServerSettings.Alerts settings =
        new ServerSettings.Alerts(
            webhook.uri(),
            3,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            10,
            100);
    for (int i = 0; i < 3; i++) {
      ClusterEpisodes book = ClusterEpisodes.start(nodes.node(i));
      books.add(book);
      alerters.add(
          nodes
              .node(i)
              .systemActorOf(
                  DriftAlerter.create(
                      settings,
                      "9.9.9",
                      new MemoryEventStore(50, 10, 10),
                      new FlukeMetrics(),
                      Clock.systemUTC(),
                      book),
                  "alerter",
                  Props.empty()));
    }
  }

  @AfterAll
  static void stop() {
    nodes.close();
    webhook.close();
  }

  private static void detected(int node, String agent) {
    alerters
        .get(node)
        .tell(
            new DriftAlerter.DriftDetected(
                agent, Map.of("role", "web"), "cert", DriftPolicy.ALERT_ONLY, "not_remediated"));
  }

  /** A marker alert through node {@code node}: once it arrived, what was told before did too. */
  private static JsonNode marker(int node, String agent) throws InterruptedException {
    alerters.get(node).tell(new DriftAlerter.Announce("marker", agent, Map.of(), "m", Map.of()));
    return webhook.next();
  }

  @Test
  void anAgentThatMovesWhileDriftedDoesNotAlertAgainAndANewEpisodeAlerts() throws Exception {
    detected(0, "web-07");
    assertEquals("drift_detected", webhook.next().get("event").asText());
    // Node A's alert reaches the other nodes' replicas (a majority write, then gossip).
    await().atMost(WAIT).until(() -> known(1, "web-07") && known(2, "web-07"));

    // The agent's reports now arrive at node B (it moved): same episode, no second alert.
    detected(1, "web-07");
    detected(2, "web-07");
    assertEquals("marker", marker(1, "web-07").get("event").asText());
    assertEquals("marker", marker(2, "web-07").get("event").asText());

    // Recovered on node B: the episode ends everywhere; the next drift alerts (on node C).
    alerters.get(1).tell(new DriftAlerter.EpisodeEnded("web-07", "cert"));
    await().atMost(WAIT).until(() -> !known(2, "web-07"));
    detected(2, "web-07");
    JsonNode again = webhook.next();
    assertEquals("drift_detected", again.get("event").asText());
    assertEquals("web-07", again.at("/agent/name").asText());
    assertEquals(
        1 + 2 + 1,
        webhook.received().size(),
        "one alert per episode, plus the two markers: " + webhook.received());
  }

  /** Node {@code node}'s replica has an open episode with drift_detected sent for web-07/cert. */
  private static boolean known(int node, String agent) {
    return books.get(node).alerted(agent, "cert");
  }
}

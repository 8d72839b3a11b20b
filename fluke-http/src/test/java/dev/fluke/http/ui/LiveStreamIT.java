package dev.fluke.http.ui;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/stream} on a real server, read with the JDK's HTTP client. */
class LiveStreamIT {
  private static final String TOKEN = "stream-token";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final ObjectMapper mapper = new ObjectMapper();
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        new TestServer(
            testKit.system(),
            Set.of(TOKEN),
            TestServer.WEBHOOK_SECRET,
            null,
            Duration.ofMillis(300));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private SseClient open(String query) throws Exception {
    SseClient client = new SseClient(server.base() + "/api/v1/stream" + query, TOKEN);
    assertEquals(200, client.response.statusCode());
    assertTrue(
        client
            .response
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("text/event-stream"));
    assertEquals("ready", client.next(WAIT).event());
    if (!query.contains("agent=")) {
      SseClient.Message replayed = client.next(WAIT);
      assertEquals(
          "replayed", replayed.event(), "nothing to replay without an agent: " + replayed.data());
      assertEquals(0, mapper.readTree(replayed.data()).path("count").asInt(0));
    }
    return client;
  }

  @Test
  void theStreamNeedsTheApiTokenInTheHeaderNotTheQuery() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String query : new String[] {"", "?token=" + TOKEN, "?access_token=" + TOKEN}) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(server.base() + "/api/v1/stream" + query))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, r.statusCode(), query + ": " + r.body());
    }
    HttpResponse<String> wrong =
        http.send(
            HttpRequest.newBuilder(URI.create(server.base() + "/api/v1/stream"))
                .header("Authorization", "Bearer nope")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, wrong.statusCode());
    assertEquals(0, server.feed.opened(), "a refused viewer never subscribes");
  }

  @Test
  void everyUpdateArrivesAsItsKindInTheApiJsonDialect() throws Exception {
    try (SseClient client = open("")) {
      server.feed.awaitSubscribers(1, WAIT);
      server.feed.publish(LiveUpdate.agentChanged("web-01"));
      SseClient.Message agent = client.next(WAIT);
      assertEquals("agent", agent.event());
      assertEquals("web-01", mapper.readTree(agent.data()).get("agent").asText());

      Event e =
          new Event(
              Instant.parse("2025-03-01T12:00:00Z"),
              "apply",
              "web-01",
              "deploy_app",
              "mise \"deploy\"",
              "applied",
              0,
              4210,
              "done\n",
              "apply exited 0");
      server.feed.publish(LiveUpdate.ofEvent(e));
      SseClient.Message event = client.next(WAIT);
      assertEquals("event", event.event());
      JsonNode data = mapper.readTree(event.data());
      assertEquals("deploy_app", data.get("task").asText());
      assertEquals(4210, data.get("event").get("duration_millis").asLong());
      assertEquals("2025-03-01T12:00:00Z", data.get("event").get("time").asText());
      assertEquals(
          "done\n",
          data.get("event").get("output").asText(),
          "multi-line text stays in one data line");

      server.feed.publish(LiveUpdate.manifestChanged());
      assertEquals("manifest", client.next(WAIT).event());
    }
  }

  @Test
  void anAgentsStreamStartsWithItsBufferedOutputThenLiveLinesOfThatAgentOnly() throws Exception {
    server.feed.buffer(LiveUpdate.output("web-01", "deploy_app", "mise \"deploy\"", "line 1"));
    server.feed.buffer(LiveUpdate.output("web-01", "deploy_app", "mise \"deploy\"", "line 2"));
    server.feed.buffer(LiveUpdate.output("db-01", "postgres_backup", "shell \"t\"", "db line"));
    try (SseClient client = open("?agent=web-01")) {
      assertEquals("line 1", line(client.next(WAIT)));
      assertEquals("line 2", line(client.next(WAIT)));
      SseClient.Message replayed = client.next(WAIT);
      assertEquals("replayed", replayed.event(), "the end of the replay is marked");
      assertEquals(2, mapper.readTree(replayed.data()).get("count").asInt());
      assertEquals("web-01", mapper.readTree(replayed.data()).get("agent").asText());
      server.feed.awaitSubscribers(1, WAIT);
      server.feed.publish(
          LiveUpdate.output("db-01", "postgres_backup", "shell \"t\"", "db live line"));
      server.feed.publish(LiveUpdate.output("web-01", "deploy_app", "mise \"deploy\"", "line 3"));
      server.feed.publish(LiveUpdate.agentChanged("web-01"));
      assertEquals("line 3", line(client.next(WAIT)));
      assertEquals("agent", client.next(WAIT).event());
    }
  }

  @Test
  void aLineArrivingWhileTheBufferIsReadIsSentOnce() throws Exception {
    server.feed.buffer(LiveUpdate.output("web-01", "deploy_app", "mise \"deploy\"", "line 1"));
    CompletableFuture<Void> gate = server.feed.holdRecentOutput();
    SseClient client = new SseClient(server.base() + "/api/v1/stream?agent=web-01", TOKEN);
    try (client) {
      assertEquals("ready", client.next(WAIT).event());
      server.feed.awaitSubscribers(1, WAIT);
      // Subscribed, buffer not read yet: this line is both in the buffer and on the live stream.
      server.feed.publish(LiveUpdate.output("web-01", "deploy_app", "mise \"deploy\"", "line 2"));
      gate.complete(null);
      server.feed.publish(LiveUpdate.output("web-01", "deploy_app", "mise \"deploy\"", "line 3"));
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        SseClient.Message m = client.next(WAIT);
        got.add(m.event().equals("replayed") ? "(replayed)" : line(m));
      }
      assertEquals(List.of("line 1", "line 2", "(replayed)", "line 3"), got);
      server.feed.publish(LiveUpdate.agentChanged("web-01"));
      assertEquals(
          "agent", client.next(WAIT).event(), "no second copy of line 2 before the next update");
    }
  }

  @Test
  void kindsNarrowTheStreamAndUnknownKindsAreRefused() throws Exception {
    try (SseClient client = open("?kinds=manifest")) {
      server.feed.awaitSubscribers(1, WAIT);
      server.feed.publish(LiveUpdate.agentChanged("web-01"));
      server.feed.publish(LiveUpdate.manifestChanged());
      assertEquals("manifest", client.next(WAIT).event());
    }
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(server.base() + "/api/v1/stream?kinds=agent,logs"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("logs"), r.body());
  }

  @Test
  void aViewerThatFallsBehindIsToldHowManyUpdatesItLost() throws Exception {
    try (SseClient client = open("?kinds=agent")) {
      server.feed.awaitSubscribers(1, WAIT);
      server.feed.publish(LiveUpdate.lost(7));
      SseClient.Message lost = client.next(WAIT);
      assertEquals("lost", lost.event(), "a marker passes whatever the kinds");
      assertEquals(7, mapper.readTree(lost.data()).get("count").asInt());
      server.feed.publish(LiveUpdate.agentChanged("web-01"));
      SseClient.Message agent = client.next(WAIT);
      assertFalse(
          mapper.readTree(agent.data()).has("count"), "count only on markers: " + agent.data());
    }
  }

  @Test
  void anIdleStreamSendsHeartbeats() throws Exception {
    try (SseClient client = open("")) {
      // No update is published: whatever comes next can only be the keep-alive (every 300 ms here).
      // Pekko's heartbeat is an empty message: "data:" and the blank line that ends it.
      assertEquals("data:", client.line(WAIT));
      assertEquals("", client.line(WAIT));
    }
  }

  @Test
  void aViewerThatLeavesIsUnsubscribed() throws Exception {
    SseClient client = open("");
    server.feed.awaitSubscribers(1, WAIT);
    client.close();
    // The server notices the closed connection at its next write: keep publishing until it does.
    Awaitility.await("the closed viewer is unsubscribed")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              server.feed.publish(LiveUpdate.agentChanged("web-01"));
              return server.feed.subscribers() == 0;
            });
  }

  private static String line(SseClient.Message m) throws Exception {
    assertEquals("output", m.event(), m.data());
    return mapper.readTree(m.data()).get("line").asText();
  }
}

package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fluke.api.Dto;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.events.RedisServerProcess;
import dev.fluke.http.ApiJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Degrade, don't fail: a real server whose event store is a real {@code redis-server}, a real
 * agent, and the test stopping Redis. The agent's live state is still answered over HTTP and by
 * {@code fluke describe agent}, with a note that the history is unavailable; {@code /api/v1/events}
 * is a 503 saying why; when Redis is back, so is the history.
 */
class EventStoreOutageIT {
  @TempDir Path tmp;
  private Fleet fleet;
  private RedisServerProcess redis;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void withRedisDownAgentDetailsKeepTheirLiveStateAndEventsAre503UntilRedisIsBack()
      throws Exception {
    redis = RedisServerProcess.start(java.nio.file.Files.createDirectories(tmp.resolve("redis")));
    String marker = tmp.resolve("host").resolve("motd").toString();
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "web.fluke.hcl",
                """
                task "motd" {
                  selector { match_labels = { role = "web" } }
                  shell "file" {
                    check   = "test -f %s"
                    command = "mkdir -p $(dirname %s) && echo applied > %s"
                  }
                }
                """
                    .formatted(marker, marker, marker)),
            "remediate",
            "1s",
            "",
            """
            event_store {
              backend = "redis"
              redis { url = "%s"  prefix = "outage-test" }
            }
            """
                .formatted(redis.url()));
    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "motd", "satisfied");
    await(
        "the history holds the agent's events",
        Duration.ofSeconds(20),
        () -> !fleet.agent("web-01").orElseThrow().recentEvents().isEmpty(),
        () -> fleet.agent("web-01"));
    assertNull(fleet.agent("web-01").orElseThrow().historyUnavailable());
    assertEquals(200, get("/api/v1/events?agent=web-01").statusCode());

    redis.stop();

    await(
        "the agent detail says its history is unavailable",
        Duration.ofSeconds(30),
        () -> fleet.agent("web-01").orElseThrow().historyUnavailable() != null,
        () -> fleet.agent("web-01"));
    Dto.AgentDetail detail = fleet.agent("web-01").orElseThrow();
    assertTrue(detail.agent().connected(), "live state: " + detail);
    assertEquals(dev.fluke.api.Status.SATISFIED, detail.tasks().get(0).status());
    assertTrue(detail.recentEvents().isEmpty());
    assertTrue(
        detail.historyUnavailable().startsWith("the event history is unavailable: the event store"),
        detail.historyUnavailable());

    HttpResponse<String> events = get("/api/v1/events");
    assertEquals(503, events.statusCode(), events.body());
    JsonNode error = ApiJson.create().readTree(events.body());
    assertEquals(503, error.get("status").asInt());
    assertTrue(
        error.get("error").asText().startsWith("the event history is unavailable"), events.body());

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli =
        FlukeCommand.commandLine(
            Map.of("FLUKE_SERVER", "http://127.0.0.1:" + fleet.server.httpPort()),
            Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertEquals(0, cli.execute("describe", "agent", "web-01"), err.toString());
    assertTrue(out.toString().startsWith("Name:       web-01\n"), out.toString());
    assertTrue(out.toString().contains("motd"), out.toString());
    assertTrue(
        out.toString()
            .contains(
                "Recent events: not shown: the event history is unavailable: the event store"),
        out.toString());
    assertTrue(out.toString().endsWith("The status above is live.\n"), out.toString());

    redis.start();

    await(
        "the history answers again",
        Duration.ofSeconds(30),
        () -> get("/api/v1/events").statusCode() == 200,
        () -> "still unavailable");
    await(
        "the agent detail has its history again",
        Duration.ofSeconds(30),
        () -> fleet.agent("web-01").orElseThrow().historyUnavailable() == null,
        () -> fleet.agent("web-01"));
    assertFalse(fleet.agent("web-01").orElseThrow().tasks().isEmpty());
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fleet.server.httpPort() + path))
              .GET()
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

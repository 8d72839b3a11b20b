package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.PlanResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/plan} on a real listener whose configured idle timeout (1 s here) is shorter
 * than the plan takes: a plan answers after its agents did, which may be minutes, and the
 * connection must stay open that long.
 */
class PlanRouteIT {
  private static final ActorTestKit testKit =
      ActorTestKit.create(
          ConfigFactory.parseString(
                  "pekko.http.server.idle-timeout = 1s\npekko.http.server.request-timeout = 1s")
              .withFallback(ConfigFactory.load()));
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = ApiJson.create();
  private static final LinkedBlockingQueue<String> asked = new LinkedBlockingQueue<>();
  private static ServerBinding binding;

  /** Answers every plan 3 s late (three idle timeouts), with what it was asked. */
  static final class SlowPlans extends TestFleetApi {
    @Override
    public CompletionStage<PlanResult> plan(String ref, Duration timeout) {
      asked.add(ref + " " + timeout);
      Instant t = Instant.parse("2026-12-05T08:00:00Z");
      return CompletableFuture.supplyAsync(
          () ->
              new PlanResult(
                  ref,
                  "4be2c0ffee1234567890abcdef1234567890abcd",
                  null,
                  PlanResult.Verdict.NO_CHANGE,
                  null,
                  List.of(),
                  List.of(),
                  List.of(),
                  t,
                  t),
          CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS));
    }
  }

  @BeforeAll
  static void bind() throws Exception {
    binding =
        HttpApi.bind(testKit.system(), "127.0.0.1", 0, new SlowPlans(), Set.of())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/api/v1/plan"))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPlanThatTakesLongerThanTheIdleTimeoutIsStillAnswered() throws Exception {
    HttpResponse<String> r = post("{\"ref\":\"feature/x\",\"timeout\":\"30s\"}");

    assertEquals(200, r.statusCode(), r.body());
    JsonNode plan = mapper.readTree(r.body());
    assertEquals("no_change", plan.path("verdict").asText());
    assertEquals("feature/x", plan.path("ref").asText());
    assertEquals("feature/x PT30S", asked.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void aBodyThatIsNotAPlanRequestIsRefusedAndNothingIsPlanned() throws Exception {
    asked.clear();
    for (String bad :
        List.of(
            "",
            "{}",
            "{\"ref\":\"\"}",
            "{\"ref\":\"x\",\"timeout\":\"11m\"}",
            "{\"ref\":\"x\",\"timeout\":\"soon\"}",
            "{\"ref\":\"x\",\"timeout\":30}",
            "{\"ref\":\"x\",\"branch\":\"y\"}",
            "{\"ref\":\"x\"} trailing")) {
      HttpResponse<String> r = post(bad);
      assertEquals(400, r.statusCode(), bad + " -> " + r.body());
      assertTrue(r.body().contains("\"error\""), r.body());
    }
    assertTrue(asked.isEmpty(), "nothing was planned: " + asked);
  }
}

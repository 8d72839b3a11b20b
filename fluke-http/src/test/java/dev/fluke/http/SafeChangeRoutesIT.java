package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Suspensions, forced reconciles and rollouts through the API on a real server (free loopback
 * port), against {@link TestFleetApi}'s in-memory fleet.
 */
class SafeChangeRoutesIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = ApiJson.create();
  private static final TestFleetApi fleet = new TestFleetApi();
  private static ServerBinding binding;

  @BeforeAll
  static void bind() throws Exception {
    binding =
        HttpApi.bind(testKit.system(), "127.0.0.1", 0, HttpApi.routes(fleet, Set.of()))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static HttpResponse<String> send(String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path))
            .header("Content-Type", "application/json");
    b =
        body == null
            ? b.method(method, HttpRequest.BodyPublishers.noBody())
            : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return mapper.readTree(r.body());
  }

  @Test
  void aSuspendedScopeIsListedUntilItIsResumed() throws Exception {
    HttpResponse<String> made =
        send(
            "POST",
            "/api/v1/suspensions",
            "{\"target\":\"agent\",\"name\":\"db-01\",\"reason\":\"disk swap\",\"by\":\"alice\"}");
    assertEquals(201, made.statusCode(), made.body());
    assertTrue(json(made).get("done").asBoolean(), made.body());
    send("POST", "/api/v1/suspensions", "{\"target\":\"all\",\"reason\":\"freeze\"}");

    JsonNode listed = json(send("GET", "/api/v1/suspensions", null));
    assertEquals(2, listed.size(), listed.toString());
    assertEquals("all", listed.get(0).get("scope").asText(), "the fleet comes first");
    assertEquals("db-01", listed.get(1).get("name").asText());
    assertTrue(listed.get(1).get("by").asText().startsWith("alice ("), listed.toString());

    assertEquals(200, send("DELETE", "/api/v1/suspensions/agent/db-01", null).statusCode());
    assertEquals(200, send("DELETE", "/api/v1/suspensions/all", null).statusCode());
    HttpResponse<String> again = send("DELETE", "/api/v1/suspensions/agent/db-01", null);
    assertEquals(404, again.statusCode(), "resuming what is not suspended is not found");
    assertTrue(again.body().contains("not suspended"), again.body());
    assertEquals(0, json(send("GET", "/api/v1/suspensions", null)).size());
  }

  @Test
  void aForcedReconcileReachesTheFleetAsForced() throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/api/v1/reconcile",
            "{\"target\":\"agent\",\"name\":\"web-01\",\"force\":true}");
    assertEquals(202, r.statusCode(), r.body());
    assertTrue(fleet.lastForce());
    send("POST", "/api/v1/reconcile", "{\"target\":\"all\"}");
    assertFalse(fleet.lastForce(), "a plain reconcile is not forced");
  }

  @Test
  void resumingAHaltedRolloutStartsItsNextStage() throws Exception {
    fleet.rollout(
        new Dto.RolloutStatus(
            "deploy_app",
            "1f2e3d4",
            "halted",
            "canary",
            1,
            2,
            3,
            0,
            1,
            0,
            2,
            1,
            "50%",
            0,
            "0s",
            TestFleetApi.T0,
            null,
            "web-01 failed",
            List.of("web-01")));
    JsonNode listed = json(send("GET", "/api/v1/rollouts", null));
    assertEquals(1, listed.size(), listed.toString());
    assertEquals("halted", listed.get(0).get("state").asText());

    HttpResponse<String> resumed = send("POST", "/api/v1/rollouts/deploy_app/resume", null);
    assertEquals(200, resumed.statusCode(), resumed.body());
    assertEquals("running", json(resumed).get("state").asText());
    assertEquals(0, json(resumed).get("failed").asInt());
    assertEquals(
        "running", json(send("GET", "/api/v1/rollouts/deploy_app", null)).get("state").asText());

    assertEquals(
        404,
        send("POST", "/api/v1/rollouts/base_packages/resume", null).statusCode(),
        "a task without a rollout has none to resume");
  }

  @Test
  void planningARefNobodyHasSaysSo() throws Exception {
    HttpResponse<String> r = send("POST", "/api/v1/plan", "{\"ref\":\"nope\"}");
    assertTrue(r.body().contains("no branch, tag or commit 'nope'"), r.body());
  }
}

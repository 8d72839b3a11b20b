package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.api.HistoryUnavailable;
import dev.fluke.events.EventQuery;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API on a real server on a free loopback port, called with the JDK's HTTP client. */
class HttpApiIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = ApiJson.create();
  private static TestFleetApi fleet;
  private static ServerBinding open;
  private static ServerBinding secured;

  @BeforeAll
  static void bind() throws Exception {
    fleet = new TestFleetApi();
    Route extra =
        org.apache.pekko.http.javadsl.server.Directives.path(
            "extra", () -> org.apache.pekko.http.javadsl.server.Directives.complete("extra route"));
    open =
        HttpApi.bind(testKit.system(), "127.0.0.1", 0, HttpApi.routes(proxy(), Set.of(), extra))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    secured =
        HttpApi.bind(
                testKit.system(), "127.0.0.1", 0, proxy(), Set.of("s3cret-token", "other-token"))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void freshFleet() {
    fleet = new TestFleetApi();
  }

  /** A FleetApi that forwards to whatever {@link #fleet} is now. */
  private static dev.fluke.api.FleetApi proxy() {
    return (dev.fluke.api.FleetApi)
        java.lang.reflect.Proxy.newProxyInstance(
            HttpApiIT.class.getClassLoader(),
            new Class<?>[] {dev.fluke.api.FleetApi.class, dev.fluke.api.PartialFleet.class},
            (p, method, args) -> {
              try {
                return method.invoke(fleet, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static String base(ServerBinding binding) {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base(open) + path)).GET().build());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base(open) + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertEquals(
        "application/json",
        response.headers().firstValue("Content-Type").orElse(""),
        response.body());
    return mapper.readTree(response.body());
  }

  private static void assertError(HttpResponse<String> response, int status, String messagePart)
      throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = json(response);
    assertEquals(status, body.get("status").asInt());
    assertTrue(body.get("error").asText().contains(messagePart), body.toString());
  }

  @Test
  void agentsAreListedInSnakeCaseWithIsoTimes() throws Exception {
    HttpResponse<String> response = get("/api/v1/agents");
    assertEquals(200, response.statusCode());
    JsonNode agents = json(response);
    assertEquals(2, agents.size());
    JsonNode web = agents.get(1);
    assertEquals("web-01", web.get("name").asText());
    assertTrue(web.get("connected").asBoolean());
    assertEquals("2025-03-01T12:00:00Z", web.get("connected_at").asText());
    assertEquals("2025-03-01T12:59:50Z", web.get("last_seen").asText());
    assertEquals("2025-03-01T12:59:40Z", web.get("last_cycle_ended_at").asText());
    assertEquals("idle", web.get("cycle").asText());
    assertEquals("prod", web.at("/labels/env").asText());
    assertEquals(1, web.at("/counts/drifted").asInt());
    assertFalse(response.body().contains("lastCycleEndedAt"));
  }

  @Test
  void agentDetailHasTasksExecutorsAndRecentEvents() throws Exception {
    JsonNode detail = json(get("/api/v1/agents/web-01"));
    assertEquals("web-01", detail.at("/agent/name").asText());
    assertEquals("deploy_app", detail.at("/tasks/1/task").asText());
    assertEquals("drifted", detail.at("/tasks/1/status").asText());
    assertEquals("alert_only", detail.at("/tasks/1/policy").asText());
    assertTrue(detail.at("/tasks/1/alerted").asBoolean());
    assertEquals("2025-03-01T12:59:40Z", detail.at("/tasks/1/last_checked_at").asText());
    assertTrue(detail.at("/tasks/1/last_applied_at").isNull());
    assertEquals(1, detail.at("/tasks/1/executors/0/exit_code").asInt());
    assertEquals("check", detail.at("/tasks/1/executors/0/phase").asText());
    assertEquals("drifted", detail.at("/recent_events/0/outcome").asText());
    assertEquals(120, detail.at("/recent_events/0/duration_millis").asInt());
  }

  @Test
  void unknownAgentIs404Json() throws Exception {
    assertError(get("/api/v1/agents/web-99"), 404, "agent 'web-99' not found");
  }

  @Test
  void tasksAndTaskDetail() throws Exception {
    JsonNode tasks = json(get("/api/v1/tasks"));
    assertEquals("deploy_app", tasks.at("/1/name").asText());
    assertEquals("web", tasks.at("/1/selector/role").asText());
    assertEquals(1, tasks.at("/1/matched_agents").asInt());
    assertEquals("mise \"deploy\"", tasks.at("/1/executors/0").asText());

    JsonNode detail = json(get("/api/v1/tasks/deploy_app"));
    assertEquals("Deploy the web app", detail.at("/task/description").asText());
    assertEquals("/opt/app", detail.at("/executors/0/attributes/working_dir").asText());
    assertEquals("abort", detail.at("/executors/0/on_failure").asText());
    assertEquals("web-01", detail.at("/agents/0/agent").asText());
    assertEquals("drifted", detail.at("/agents/0/status/status").asText());
    assertError(get("/api/v1/tasks/nope"), 404, "task 'nope' not found");
  }

  @Test
  void driftListsUnsatisfiedPairs() throws Exception {
    JsonNode drift = json(get("/api/v1/drift"));
    assertEquals(2, drift.size());
    assertEquals("web-01", drift.at("/0/agent").asText());
    assertEquals("deploy_app", drift.at("/0/task").asText());
    assertEquals("2025-03-01T12:59:40Z", drift.at("/0/since").asText());
    assertEquals("error", drift.at("/1/status").asText());
  }

  @Test
  void eventsAreFilteredWithDefaultLimit50() throws Exception {
    JsonNode all = json(get("/api/v1/events"));
    assertEquals(5, all.size());
    assertEquals(new EventQuery(null, null, null, 50), fleet.lastEventQuery());
    assertEquals("2025-03-01T12:59:40Z", all.at("/0/time").asText());
    assertEquals("shell \"main\"", all.at("/0/executor").asText());

    JsonNode filtered = json(get("/api/v1/events?agent=web-01&outcome=drifted&limit=7"));
    assertEquals(new EventQuery("web-01", null, "drifted", 7), fleet.lastEventQuery());
    assertEquals(1, filtered.size());
    json(get("/api/v1/events?task=base_packages&limit=1000"));
    assertEquals(new EventQuery(null, "base_packages", null, 1000), fleet.lastEventQuery());
  }

  @Test
  void badEventQueriesAre400NamingWhatIsAllowedAndReachNoStore() throws Exception {
    assertError(get("/api/v1/events?limit=abc"), 400, "limit must be a whole number");
    assertError(get("/api/v1/events?limit="), 400, "limit must be a whole number from 1 to 1000");
    assertError(get("/api/v1/events?limit=%20"), 400, "limit must be a whole number");
    assertError(get("/api/v1/events?limit=2.5"), 400, "limit must be a whole number");
    assertError(get("/api/v1/events?limit=0"), 400, "limit must be from 1 to 1000");
    assertError(get("/api/v1/events?limit=1001"), 400, "got 1001");
    assertError(
        get("/api/v1/events?outcome=bogus"),
        400,
        "outcome must be one of satisfied, drifted, applied, failed, error, skipped, connected");
    assertError(get("/api/v1/events?outcome="), 400, "outcome must not be empty");
    assertError(get("/api/v1/events?agent="), 400, "agent must not be empty");
    assertError(get("/api/v1/events?task="), 400, "task must not be empty");
    assertError(
        get("/api/v1/events?agnet=web-01"),
        400,
        "unknown query parameter 'agnet': GET /api/v1/events takes agent, task, outcome, limit");
    assertError(get("/api/v1/events?limit=5&limit=6"), 400, "'limit' is given more than once");
    assertError(get("/api/v1/events?agent=web-01&agent=db-01"), 400, "more than once");
    assertNull(fleet.lastEventQuery(), "no bad query reached the event store");
  }

  @Test
  void routesWithoutParametersRefuseAnyQueryParameter() throws Exception {
    for (String path :
        List.of(
            "/api/v1/agents/web-01?verbose=1",
            "/api/v1/tasks?x=1",
            "/api/v1/tasks/deploy_app?x",
            "/api/v1/drift?agent=web-01",
            "/api/v1/manifest?commit=abc",
            "/api/v1/agents?name=web-01")) {
      HttpResponse<String> response = get(path);
      assertEquals(400, response.statusCode(), path + ": " + response.body());
      assertTrue(json(response).get("error").asText().startsWith("unknown query parameter"));
    }
    assertError(
        post("/api/v1/reconcile?target=all", "{\"target\":\"all\"}"),
        400,
        "POST /api/v1/reconcile takes none");
    assertNull(fleet.lastReconcile(), "nothing reached the fleet");
  }

  @Test
  void agentsAreFilteredOnTheServerAndTheAnswerSaysHowManyAreKnown() throws Exception {
    HttpResponse<String> all = get("/api/v1/agents");
    assertEquals("2", all.headers().firstValue(AgentRoutes.KNOWN_HEADER).orElse(""));
    assertEquals(2, json(all).size());

    HttpResponse<String> disconnected = get("/api/v1/agents?filter=disconnected");
    assertEquals("2", disconnected.headers().firstValue(AgentRoutes.KNOWN_HEADER).orElse(""));
    assertEquals(List.of("db-01"), names(json(disconnected)));
    assertEquals(
        List.of("web-01"),
        names(json(get("/api/v1/agents?filter=ROLE%3Dweb%20%20env%3DPROD%20web"))));
    assertEquals(List.of("web-01"), names(json(get("/api/v1/agents?filter=drifted"))));
    assertEquals(List.of("db-01"), names(json(get("/api/v1/agents?filter=env%3Dpr+error"))));
    assertEquals(List.of(), names(json(get("/api/v1/agents?filter=role%3Dweb+error"))));
    assertEquals(2, json(get("/api/v1/agents?filter=")).size(), "an empty filter matches all");
    assertError(get("/api/v1/agents?filter=a&filter=b"), 400, "'filter' is given more than once");
  }

  @Test
  void nodesListsTheOneNodeOfASingleServerAndAPartialFleetNamesTheMissingNodes() throws Exception {
    JsonNode nodes = json(get("/api/v1/nodes"));
    assertEquals(1, nodes.size());
    assertEquals("local", nodes.get(0).get("address").asText());
    assertTrue(nodes.get(0).get("leader").asBoolean());
    assertEquals("git", nodes.get(0).get("singletons").get(0).asText());
    assertTrue(
        get("/api/v1/agents").headers().firstValue(AgentRoutes.MISSING_NODES_HEADER).isEmpty());
    assertTrue(
        get("/api/v1/drift").headers().firstValue(AgentRoutes.MISSING_NODES_HEADER).isEmpty());
    assertTrue(
        get("/api/v1/events").headers().firstValue(AgentRoutes.MISSING_NODES_HEADER).isEmpty());

    fleet.missingNodes(List.of("pekko://fluke-server@10.0.0.3:7072"));
    try {
      assertEquals(
          "pekko://fluke-server@10.0.0.3:7072",
          get("/api/v1/agents").headers().firstValue(AgentRoutes.MISSING_NODES_HEADER).orElse(""));
      for (String merged :
          List.of("/api/v1/tasks", "/api/v1/drift", "/api/v1/events?agent=web-01&limit=5")) {
        assertEquals(
            "pekko://fluke-server@10.0.0.3:7072",
            get(merged).headers().firstValue(AgentRoutes.MISSING_NODES_HEADER).orElse(""),
            merged);
      }
    } finally {
      fleet.missingNodes(List.of());
    }
  }

  private static List<String> names(JsonNode agents) {
    List<String> names = new java.util.ArrayList<>();
    agents.forEach(a -> names.add(a.get("name").asText()));
    return names;
  }

  @Test
  void anEventStoreOutageIs503WithItsReasonForEvents() throws Exception {
    fleet.failEventsWith(
        new HistoryUnavailable("the event history is unavailable: Redis is down", null));
    assertError(get("/api/v1/events"), 503, "the event history is unavailable: Redis is down");
    assertEquals(200, get("/api/v1/agents").statusCode(), "live state is still answered");
  }

  @Test
  void manifestStatusShowsRejectedCommitErrors() throws Exception {
    JsonNode manifest = json(get("/api/v1/manifest"));
    assertEquals("main", manifest.get("branch").asText());
    assertEquals(
        "9a8b7c6d5e4f32109a8b7c6d5e4f32109a8b7c6d", manifest.get("candidate_commit").asText());
    assertEquals("2025-03-01T12:00:00Z", manifest.get("loaded_at").asText());
    assertTrue(manifest.get("fetch_error").isNull());
    assertEquals("apps/web.fluke.hcl", manifest.at("/errors/0/pos/file").asText());
    assertEquals(12, manifest.at("/errors/0/pos/line").asInt());
    assertTrue(manifest.at("/errors/0/message").asText().contains("comand"));
  }

  @Test
  void manifestStatusShowsWhereTheCommitInForceCameFromAndARefusedRewrite() throws Exception {
    JsonNode manifest = json(get("/api/v1/manifest"));
    assertEquals("https://git.example.org/fleet.git", manifest.get("loaded_from").asText());
    assertEquals(TestFleetApi.REFUSED, manifest.get("refused_commit").asText());
  }

  @Test
  void acceptingTheRefusedRewriteIs202AndAnythingElseIsNot() throws Exception {
    HttpResponse<String> ok = post("/api/v1/manifest/accept", "{\"commit\":\"5E4F3210\"}");
    assertEquals(202, ok.statusCode(), ok.body());
    JsonNode body = json(ok);
    assertTrue(body.get("accepted").asBoolean());
    assertEquals(TestFleetApi.REFUSED, body.get("commit").asText());
    assertEquals("5e4f3210", fleet.lastAccept(), "ids are passed on in lower case");

    assertError(
        post("/api/v1/manifest/accept", "{\"commit\":\"1234567\"}"),
        409,
        "the rewrite waiting to be accepted is to " + TestFleetApi.REFUSED);
    assertError(post("/api/v1/manifest/accept", "{}"), 400, "\"commit\" is missing");
    assertError(
        post("/api/v1/manifest/accept", "{\"commit\":\"5e4f321\"} x"), 400, "not one JSON value");
    assertError(
        post("/api/v1/manifest/accept", "{\"commit\":\"main\"}"), 400, "7 to 40 hex digits");
    assertError(
        post("/api/v1/manifest/accept", "{\"commit\":\"5e4f321\",\"force\":true}"),
        400,
        "only \"commit\" is allowed");
  }

  @Test
  void reconcileAllAgentAndTaskAre202() throws Exception {
    HttpResponse<String> all = post("/api/v1/reconcile", "{\"target\":\"all\"}");
    assertEquals(202, all.statusCode(), all.body());
    JsonNode body = json(all);
    assertTrue(body.get("accepted").asBoolean());
    assertEquals("all", body.at("/target/kind").asText());
    assertEquals("web-01", body.at("/agents/0").asText());
    assertEquals("2025-03-01T13:00:01Z", body.get("requested_at").asText());

    HttpResponse<String> agent =
        post("/api/v1/reconcile", "{\"target\":\"agent\",\"name\":\"web-01\"}");
    assertEquals(202, agent.statusCode());
    assertEquals(Dto.ReconcileTarget.agent("web-01"), fleet.lastReconcile());

    HttpResponse<String> task =
        post("/api/v1/reconcile", "{\"target\":\"task\",\"name\":\"deploy_app\"}");
    assertEquals(202, task.statusCode());
    assertEquals("deploy_app", json(task).at("/target/name").asText());
  }

  @Test
  void reconcileWithAFormContentTypeStillReadsTheJson() throws Exception {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(base(open) + "/api/v1/reconcile"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"all\"}"))
                .build());
    assertEquals(202, response.statusCode(), response.body());
  }

  @Test
  void reconcileOfUnknownAgentOrTaskIs404WithTheMessage() throws Exception {
    assertError(
        post("/api/v1/reconcile", "{\"target\":\"agent\",\"name\":\"ghost\"}"),
        404,
        "agent 'ghost' not found");
    assertError(
        post("/api/v1/reconcile", "{\"target\":\"task\",\"name\":\"ghost\"}"),
        404,
        "task 'ghost' not found");
  }

  @Test
  void aReconcileBodyWithAnythingAfterTheJsonIs400AndReconcilesNothing() throws Exception {
    assertError(
        post("/api/v1/reconcile", "{\"target\":\"all\"} xyz"), 400, "not one valid JSON object");
    assertError(
        post("/api/v1/reconcile", "{\"target\":\"all\"}\n{\"target\":\"all\"}"),
        400,
        "not one valid JSON object");
    assertError(
        post("/api/v1/reconcile", "{\"target\":\"agent\",\"name\":\"web-01\",\"name\":\"x\"}"),
        400,
        "not one valid JSON object");
    assertError(
        post("/api/v1/reconcile", "{\"target\":\"all\",\"dry_run\":true}"),
        400,
        "unknown property \"dry_run\"");
    assertNull(fleet.lastReconcile(), "nothing reached the fleet");
  }

  @Test
  void badReconcileBodiesAre400() throws Exception {
    assertError(post("/api/v1/reconcile", "{\"target\":"), 400, "not one valid JSON object");
    assertError(post("/api/v1/reconcile", ""), 400, "must be a JSON object");
    assertError(post("/api/v1/reconcile", "{\"target\":\"everything\"}"), 400, "unknown target");
    assertError(post("/api/v1/reconcile", "{\"target\":\"agent\"}"), 400, "needs a \"name\"");
    assertNull(fleet.lastReconcile(), "nothing reached the fleet");
  }

  @Test
  void unknownPathsAre404AndWrongMethodsAre405Json() throws Exception {
    assertError(get("/api/v1/gadgets"), 404, "no such endpoint: GET /api/v1/gadgets");
    assertError(get("/nothing/here"), 404, "no such endpoint");
    HttpResponse<String> wrongMethod = post("/api/v1/agents", "{}");
    assertError(wrongMethod, 405, "GET");
    assertEquals("GET", wrongMethod.headers().firstValue("Allow").orElse(""));
    assertError(get("/api/v1/reconcile"), 405, "POST");
  }

  @Test
  void fleetFailuresAre503WhenTimedOutAnd500Otherwise() throws Exception {
    fleet.failWith(new TimeoutException("ask timed out after 5s"));
    assertError(get("/api/v1/agents"), 503, "did not answer in time (ask timed out after 5s)");
    fleet.failWith(new IllegalStateException("registry crashed"));
    assertError(get("/api/v1/drift"), 500, "registry crashed");
    assertError(post("/api/v1/reconcile", "{\"target\":\"all\"}"), 500, "registry crashed");
  }

  @Test
  void aRequestOutlivingTheServersRequestTimeoutGets503Json() throws Exception {
    TestFleetApi stuck =
        new TestFleetApi() {
          @Override
          public synchronized java.util.concurrent.CompletionStage<
                  java.util.List<dev.fluke.api.Dto.DriftEntry>>
              drift() {
            return new java.util.concurrent.CompletableFuture<>();
          }
        };
    org.apache.pekko.http.javadsl.settings.ServerSettings settings =
        org.apache.pekko.http.javadsl.settings.ServerSettings.create(
                com.typesafe.config.ConfigFactory.parseString(
                        "pekko.http.server.request-timeout = 300ms")
                    .withFallback(testKit.system().settings().config()))
            .withRemoteAddressAttribute(true);
    ServerBinding binding =
        HttpApi.serverAt(testKit.system(), "127.0.0.1", 0)
            .withSettings(settings)
            .bind(HttpApi.routes(stuck, Set.of()))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    try {
      URI uri =
          URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/api/v1/drift");
      assertError(
          send(HttpRequest.newBuilder(uri).build()),
          503,
          "did not answer GET /api/v1/drift in time");
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void healthzIsOpenPlainOk() throws Exception {
    HttpResponse<String> response = get("/healthz");
    assertEquals(200, response.statusCode());
    assertEquals("ok", response.body());
    HttpResponse<String> securedHealth =
        send(HttpRequest.newBuilder(URI.create(base(secured) + "/healthz")).build());
    assertEquals(200, securedHealth.statusCode());
  }

  @Test
  void extraRoutesAreServedBesideTheApi() throws Exception {
    HttpResponse<String> response = get("/extra");
    assertEquals(200, response.statusCode());
    assertEquals("extra route", response.body());
  }

  @Test
  void withTokensTheApiNeedsTheRightBearerToken() throws Exception {
    URI agents = URI.create(base(secured) + "/api/v1/agents");
    HttpResponse<String> missing = send(HttpRequest.newBuilder(agents).build());
    assertError(missing, 401, "Authorization: Bearer");
    assertEquals(
        "Bearer realm=\"fluke\"", missing.headers().firstValue("WWW-Authenticate").orElse(""));

    HttpResponse<String> wrong =
        send(HttpRequest.newBuilder(agents).header("Authorization", "Bearer s3cret-tokeN").build());
    assertError(wrong, 401, "not one of the server's api_tokens");

    HttpResponse<String> right =
        send(HttpRequest.newBuilder(agents).header("Authorization", "Bearer other-token").build());
    assertEquals(200, right.statusCode());
    assertEquals(2, json(right).size());

    // Unknown paths behind auth do not reveal what exists.
    assertError(
        send(HttpRequest.newBuilder(URI.create(base(secured) + "/api/v1/nodes")).build()),
        401,
        "token");
  }
}

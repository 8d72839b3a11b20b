package dev.fluke.http.webhook;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.http.ui.TestServer;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/webhooks/git} on a real server, with push payloads shaped as GitHub, Gitea
 * and GitLab send them, signed as each forge signs. The API has tokens configured: the webhook must
 * work without one.
 */
class WebhookIT {
  private static final String SECRET = TestServer.WEBHOOK_SECRET;
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = new ObjectMapper();
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = new TestServer(testKit.system(), Set.of("api-token"));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static String payload(String name) throws Exception {
    try (InputStream in = WebhookIT.class.getResourceAsStream("/webhooks/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String toBranch(String payload, String ref) {
    String changed = payload.replace("\"ref\": \"refs/heads/main\"", "\"ref\": \"" + ref + "\"");
    assertNotEquals(payload, changed, "the payload names refs/heads/main");
    return changed;
  }

  private HttpResponse<String> post(String body, String contentType, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.base() + "/api/v1/webhooks/git"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", contentType)
            .header("User-Agent", "GitHub-Hookshot/044aadd")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> github(String body, String secret, String event) throws Exception {
    String sig =
        "sha256=" + WebhookVerifierTest.hmacHex(secret, body.getBytes(StandardCharsets.UTF_8));
    return post(
        body,
        "application/json",
        "X-GitHub-Event",
        event,
        "X-GitHub-Delivery",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-GitHub-Hook-ID",
        "292430182",
        "X-Hub-Signature-256",
        sig);
  }

  private HttpResponse<String> gitea(String body, String secret) throws Exception {
    String hex = WebhookVerifierTest.hmacHex(secret, body.getBytes(StandardCharsets.UTF_8));
    // Gitea sends its own header, GitHub's and Gogs' (all the same HMAC), and both event headers.
    return post(
        body,
        "application/json",
        "X-Gitea-Event",
        "push",
        "X-Gitea-Event-Type",
        "push",
        "X-Gitea-Delivery",
        "f6266f16-1bf3-46a5-9ea4-602e06ead473",
        "X-GitHub-Event",
        "push",
        "X-Gogs-Event",
        "push",
        "X-Gitea-Signature",
        hex,
        "X-Gogs-Signature",
        hex,
        "X-Hub-Signature-256",
        "sha256=" + hex);
  }

  private HttpResponse<String> gitlab(String body, String token, String event) throws Exception {
    return post(
        body,
        "application/json",
        "X-Gitlab-Event",
        event,
        "X-Gitlab-Token",
        token,
        "X-Gitlab-Instance",
        "https://gitlab.example.org",
        "X-Gitlab-Event-UUID",
        "13792a34-cac6-4fda-95a8-c58e00a3954e");
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return mapper.readTree(r.body());
  }

  private void assertFetching(HttpResponse<String> r) throws Exception {
    assertEquals(202, r.statusCode(), r.body());
    assertEquals("fetching", json(r).get("result").asText(), r.body());
    assertEquals(1, server.fetches.get());
  }

  private void assertRefused(HttpResponse<String> r) throws Exception {
    assertEquals(401, r.statusCode(), r.body());
    assertEquals(401, json(r).get("status").asInt());
    assertEquals(0, server.fetches.get(), "nothing is triggered by a refused call");
  }

  private void assertIgnored(HttpResponse<String> r, String part) throws Exception {
    assertEquals(202, r.statusCode(), r.body());
    assertEquals("ignored", json(r).get("result").asText());
    assertTrue(json(r).get("message").asText().contains(part), r.body());
    assertEquals(0, server.fetches.get());
  }

  @Test
  void githubPushToTheBranchFetchesWithoutAnApiToken() throws Exception {
    assertFetching(github(payload("github-push.json"), SECRET, "push"));
    assertTrue(
        server
            .metrics
            .scrape()
            .contains("fluke_git_webhooks_total{forge=\"github\",result=\"triggered\"} 1"));
  }

  @Test
  void githubWrongSignatureIsRefused() throws Exception {
    assertRefused(github(payload("github-push.json"), "guessed secret", "push"));
    assertTrue(
        server
            .metrics
            .scrape()
            .contains("fluke_git_webhooks_total{forge=\"github\",result=\"rejected\"} 1"));
  }

  @Test
  void githubBodyChangedAfterSigningIsRefused() throws Exception {
    String body = payload("github-push.json");
    String sig =
        "sha256=" + WebhookVerifierTest.hmacHex(SECRET, body.getBytes(StandardCharsets.UTF_8));
    assertRefused(
        post(
            body.replace("octocat", "mallory"),
            "application/json",
            "X-GitHub-Event",
            "push",
            "X-Hub-Signature-256",
            sig));
  }

  @Test
  void githubPushToAnotherBranchIsAcknowledgedAndIgnored() throws Exception {
    assertIgnored(
        github(toBranch(payload("github-push.json"), "refs/heads/feature/tls"), SECRET, "push"),
        "refs/heads/feature/tls");
  }

  @Test
  void githubFormEncodedPayloadIsReadToo() throws Exception {
    String body =
        "payload=" + URLEncoder.encode(payload("github-push.json"), StandardCharsets.UTF_8);
    String sig =
        "sha256=" + WebhookVerifierTest.hmacHex(SECRET, body.getBytes(StandardCharsets.UTF_8));
    assertFetching(
        post(
            body,
            "application/x-www-form-urlencoded",
            "X-GitHub-Event",
            "push",
            "X-Hub-Signature-256",
            sig));
  }

  @Test
  void githubPingIsAnsweredAndOtherEventsIgnored() throws Exception {
    HttpResponse<String> ping = github(payload("github-ping.json"), SECRET, "ping");
    assertEquals(200, ping.statusCode(), ping.body());
    assertEquals("pong", json(ping).get("result").asText());
    assertIgnored(
        github("{\"action\":\"opened\",\"issue\":{\"number\":1}}", SECRET, "issues"), "not a push");
  }

  @Test
  void giteaPushToTheBranchFetches() throws Exception {
    assertFetching(gitea(payload("gitea-push.json"), SECRET));
    assertTrue(
        server
            .metrics
            .scrape()
            .contains("fluke_git_webhooks_total{forge=\"gitea\",result=\"triggered\"} 1"));
  }

  @Test
  void giteaWrongSignatureIsRefused() throws Exception {
    assertRefused(gitea(payload("gitea-push.json"), "guessed secret"));
  }

  @Test
  void giteaPushToAnotherBranchIsIgnored() throws Exception {
    assertIgnored(
        gitea(toBranch(payload("gitea-push.json"), "refs/heads/develop"), SECRET),
        "refs/heads/develop");
  }

  @Test
  void gitlabPushToTheBranchFetches() throws Exception {
    assertFetching(gitlab(payload("gitlab-push.json"), SECRET, "Push Hook"));
    assertTrue(
        server
            .metrics
            .scrape()
            .contains("fluke_git_webhooks_total{forge=\"gitlab\",result=\"triggered\"} 1"));
  }

  @Test
  void gitlabWrongTokenIsRefused() throws Exception {
    assertRefused(gitlab(payload("gitlab-push.json"), "guessed secret", "Push Hook"));
  }

  @Test
  void gitlabPushToAnotherBranchOrATagIsIgnored() throws Exception {
    assertIgnored(
        gitlab(toBranch(payload("gitlab-push.json"), "refs/heads/staging"), SECRET, "Push Hook"),
        "refs/heads/staging");
    String tag =
        toBranch(payload("gitlab-push.json"), "refs/tags/v1.4.0")
            .replace("\"object_kind\": \"push\"", "\"object_kind\": \"tag_push\"");
    assertIgnored(gitlab(tag, SECRET, "Tag Push Hook"), "refs/tags/v1.4.0");
  }

  @Test
  void unsignedCallIsRefused() throws Exception {
    assertRefused(post(payload("github-push.json"), "application/json", "X-GitHub-Event", "push"));
    assertRefused(post(payload("github-push.json"), "application/json"));
  }

  @Test
  void signedPushWithoutARefIsABadRequest() throws Exception {
    HttpResponse<String> r = github("{\"zen\":\"not a push\"}", SECRET, "push");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(json(r).get("error").asText().contains("ref"), r.body());
    assertEquals(0, server.fetches.get());
  }

  @Test
  void otherMethodsGet405WithAllow() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(server.base() + "/api/v1/webhooks/git"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, r.statusCode(), r.body());
    assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void withoutASecretTheWebhookIsOffAndSaysHowToTurnItOn() throws Exception {
    try (TestServer off =
        new TestServer(testKit.system(), Set.of(), null, null, Duration.ofSeconds(15))) {
      String body = payload("github-push.json");
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(off.base() + "/api/v1/webhooks/git"))
                  .header("X-GitHub-Event", "push")
                  .header(
                      "X-Hub-Signature-256",
                      "sha256="
                          + WebhookVerifierTest.hmacHex(
                              SECRET, body.getBytes(StandardCharsets.UTF_8)))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(404, r.statusCode(), r.body());
      assertTrue(json(r).get("error").asText().contains("git { webhook_secret"), r.body());
      assertEquals(0, off.fetches.get());
    }
  }

  @Test
  void theRestOfTheApiStillNeedsTheToken() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(server.base() + "/api/v1/agents")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode(), r.body());
  }
}

package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import dev.fluke.app.client.LiveStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3's live operations on a real server with a real agent: the dashboard is served, /readyz
 * and /metrics reflect real cycles, a signed Git push webhook makes the server fetch at once
 * (polling is set to an hour), and apply output streams to a live viewer line by line.
 */
class LiveOperationsIT {
  private static final String SECRET = "webhook-secret-for-tests";
  @TempDir Path tmp;
  private Fleet fleet;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private String task(String name, String command, String check) {
    return """
        task "%s" {
          selector { match_labels = { role = "web" } }
          shell "run" {
            check   = "%s"
            command = "%s"
          }
        }
        """
        .formatted(name, check, command);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String base() {
    return "http://127.0.0.1:" + fleet.server.httpPort();
  }

  private HttpResponse<String> push(String body, String signature) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base() + "/api/v1/webhooks/git"))
            .header("Content-Type", "application/json")
            .header("X-GitHub-Event", "push")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (signature != null) {
      request.header("X-Hub-Signature-256", signature);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String sign(String body, String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void dashboardReadinessMetricsAndASignedPushOnARealServer() throws Exception {
    Path first = tmp.resolve("first");
    fleet =
        Fleet.start(
            tmp,
            Map.of("a.fluke.hcl", task("first", "touch " + first, "test -f " + first)),
            "remediate",
            "1h",
            "webhook_secret = \"" + SECRET + "\"");
    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "first", "satisfied");

    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("Fluke"), page.body());
    assertEquals(200, get("/readyz").statusCode());

    String metrics = get("/metrics").body();
    assertTrue(metrics.contains("\nfluke_agents_connected 1.0\n"), metrics);
    assertTrue(
        metrics.contains("\nfluke_steps_total{outcome=\"applied\",phase=\"apply\"} 1.0\n"),
        metrics);

    // a new commit is fetched at once on a signed push (the poll interval is an hour)
    Path second = tmp.resolve("second");
    String commit =
        fleet.commit("b.fluke.hcl", task("second", "touch " + second, "test -f " + second));
    String body =
        """
        {"ref": "refs/heads/main", "after": "%s", "repository": {"full_name": "infra/fleet"}}
        """
            .formatted(commit);
    assertEquals(401, push(body, null).statusCode(), "unsigned");
    assertEquals(401, push(body, sign(body, "wrong secret")).statusCode(), "wrongly signed");
    assertEquals(202, push(body, sign(body, SECRET)).statusCode());
    fleet.awaitStatus("web-01", "second", "satisfied");
    assertEquals(commit, fleet.api.manifest().value().commit());
  }

  @Test
  void applyOutputStreamsToALiveViewerLineByLine() throws Exception {
    Path done = tmp.resolve("done");
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "a.fluke.hcl",
                task(
                    "talky",
                    "for i in 1 2 3; do echo line $i; sleep 0.3; done; touch " + done,
                    "test -f " + done)),
            "alert_only",
            "1s",
            "");
    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "talky", "drifted");

    ApiClient client = new ApiClient(base(), null, Duration.ofSeconds(10));
    List<String> lines = new ArrayList<>();
    try (LiveStream stream = client.stream("web-01", List.of("output", "event"))) {
      fleet.api.reconcile(Dto.ReconcileTarget.agent("web-01"));
      await(
          "three output lines streamed",
          Duration.ofSeconds(30),
          () -> {
            try {
              var reply = stream.next(Duration.ofMillis(200));
              if (reply != null && "output".equals(reply.value().kind())) {
                lines.add(reply.value().line());
              }
              return lines.size() >= 3;
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          },
          () -> lines);
    }
    assertEquals(List.of("line 1", "line 2", "line 3"), lines);
    fleet.awaitStatus("web-01", "talky", "satisfied");
  }
}

package dev.fluke.http.ui;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UI's files as served: content types, security headers, no token needed, nothing else
 * reachable.
 */
class UiRoutesIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final HttpClient http = HttpClient.newHttpClient();
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(testKit.system(), Set.of("api-token"));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    testKit.shutdownTestKit();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.base() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageIsServedAtTheRootWithoutATokenAndWithAStrictPolicy() throws Exception {
    HttpResponse<String> r = get("/");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(r.body().contains("<script src=\"/ui/app.js\" defer></script>"), r.body());
    String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'"),
        csp);
    assertFalse(csp.contains("unsafe-inline"), csp);
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""));
  }

  @Test
  void assetsHaveTheirContentTypes() throws Exception {
    assertTrue(
        get("/ui/app.js").headers().firstValue("Content-Type").orElse("").contains("javascript"));
    assertTrue(
        get("/ui/app.css").headers().firstValue("Content-Type").orElse("").startsWith("text/css"));
    assertTrue(
        get("/ui/favicon.svg")
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("image/svg+xml"));
  }

  @Test
  void thePageLoadsNothingFromAnotherHost() throws Exception {
    for (String path : new String[] {"/", "/ui/app.js", "/ui/app.css"}) {
      String body = get(path).body();
      assertFalse(
          body.matches("(?s).*(src|href)=\"(https?:)?//.*"), path + " refers to another host");
      assertFalse(body.contains("innerHTML"), path + " must not build HTML from strings");
    }
  }

  @Test
  void unknownAssetsAndPathsOutsideTheUiAre404() throws Exception {
    assertEquals(404, get("/ui/missing.js").statusCode());
    assertEquals(404, get("/ui/%2e%2e/logback-test.xml").statusCode());
    assertEquals(404, get("/ui/..%2flogback-test.xml").statusCode());
    assertEquals(404, get("/fluke-ui/index.html").statusCode());
  }

  @Test
  void healthzStillAnswers() throws Exception {
    HttpResponse<String> r = get("/healthz");
    assertEquals(200, r.statusCode());
    assertEquals("ok", r.body());
  }
}

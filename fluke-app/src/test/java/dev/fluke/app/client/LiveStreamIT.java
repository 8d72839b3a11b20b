package dev.fluke.app.client;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import dev.fluke.api.LiveUpdate;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client side of the live stream against a server that sends exactly the bytes a test wrote
 * (the JDK's own HTTP server on a free loopback port): what Pekko HTTP's server-sent events parser
 * and {@link LiveStream} make of heartbeats, comments, unknown event types, multi-line data, long
 * lines, malformed updates and answers that are not a stream. CliLiveIT runs the commands against
 * Fluke's real stream routes.
 */
class LiveStreamIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String READY = "event: ready\ndata: {\"time\":\"2025-03-01T12:59:58Z\"}\n\n";

  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  /**
   * Serves {@code body} with {@code status} and {@code type} to every request, then closes the
   * answer, or keeps it open until the test ends when {@code hold} is set.
   */
  private String serve(int status, String type, String body, boolean hold) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", type);
          exchange.sendResponseHeaders(status, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (hold) {
              release.await(30, TimeUnit.SECONDS);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static String output(String line) {
    return "event: output\ndata: {\"kind\":\"output\",\"agent\":\"web-01\",\"task\":\"deploy_app\","
        + "\"executor\":\"shell \\\"main\\\"\",\"line\":\""
        + line
        + "\"}\n\n";
  }

  private static LiveStream open(String url, Duration openTimeout) throws InterruptedException {
    return new ApiClient(url, null, openTimeout).stream("web-01", List.of("output"));
  }

  @Test
  void heartbeatsCommentsIdsAndUnknownEventTypesAreSkipped() throws Exception {
    String url =
        serve(
            200,
            "text/event-stream",
            READY
                + ": a comment\n\n"
                + "data:\n\n"
                + "event: from-a-newer-server\ndata: {\"kind\":\"sparkle\"}\n\n"
                + "id: 7\nretry: 1000\n"
                + output("one")
                + output("two"),
            false);
    try (LiveStream stream = open(url, WAIT)) {
      assertEquals("2025-03-01T12:59:58Z", stream.openedAt().toString());
      assertEquals("one", stream.next(WAIT).value().line());
      ApiClient.Reply<LiveUpdate> two = stream.next(WAIT);
      assertEquals("two", two.value().line());
      assertEquals("shell \"main\"", two.value().executor());
      assertTrue(two.json().contains("\"line\":\"two\""), two.json());
      ApiClientException end = assertThrows(ApiClientException.class, () -> stream.next(WAIT));
      assertTrue(end.getMessage().contains("closed the live stream"), end.getMessage());
      assertSame(end, assertThrows(ApiClientException.class, () -> stream.next(WAIT)));
    }
  }

  @Test
  void dataLinesOfOneEventAreJoined() throws Exception {
    String url =
        serve(
            200,
            "text/event-stream",
            READY
                + "event: output\ndata: {\"kind\":\"output\",\ndata:  \"agent\":\"web-01\",\n"
                + "data: \"line\":\"joined\"}\n\n",
            false);
    try (LiveStream stream = open(url, WAIT)) {
      LiveUpdate u = stream.next(WAIT).value();
      assertEquals("web-01", u.agent());
      assertEquals("joined", u.line());
    }
  }

  @Test
  void aLongOutputLineArrivesWhole() throws Exception {
    // Agents hand on lines of up to 64 KiB; Pekko's default limit is 4 KiB per line.
    String line = "x".repeat(200_000);
    String url = serve(200, "text/event-stream", READY + output(line), false);
    try (LiveStream stream = open(url, WAIT)) {
      assertEquals(line, stream.next(WAIT).value().line());
    }
  }

  @Test
  void anUpdateThatIsNotJsonEndsTheStreamSayingSo() throws Exception {
    String url =
        serve(
            200,
            "text/event-stream",
            READY + output("fine") + "event: output\ndata: not json\n\n",
            true);
    try (LiveStream stream = open(url, WAIT)) {
      assertEquals("fine", stream.next(WAIT).value().line());
      ApiClientException e = assertThrows(ApiClientException.class, () -> stream.next(WAIT));
      assertTrue(
          e.getMessage().startsWith("unexpected 'output' event in the live stream from " + url),
          e.getMessage());
    }
  }

  @Test
  void aStreamThatEndsBeforeItsReadyEventFailsWithoutWaitingOut() throws Exception {
    String url = serve(200, "text/event-stream", ": nothing else\n\n", false);
    // Were the end not noticed, this would be a timeout after a minute, not this message.
    ApiClientException e =
        assertThrows(ApiClientException.class, () -> open(url, Duration.ofMinutes(1)));
    assertTrue(e.getMessage().contains("closed the live stream"), e.getMessage());
  }

  @Test
  void aServerThatNeverSaysReadyTimesOut() throws Exception {
    String url = serve(200, "text/event-stream", ": hello\n\n", true);
    ApiClientException e =
        assertThrows(ApiClientException.class, () -> open(url, Duration.ofSeconds(1)));
    assertEquals(
        "the Fluke server at " + url + " did not open the live stream within 1s", e.getMessage());
  }

  @Test
  void anAnswerThatIsNotAStreamIsExplained() throws Exception {
    String url = serve(200, "text/html", "<html>a login page</html>", false);
    ApiClientException e = assertThrows(ApiClientException.class, () -> open(url, WAIT));
    assertTrue(
        e.getMessage().endsWith("expected a live stream (text/event-stream), got text/html"),
        e.getMessage());
  }

  @Test
  void anErrorAnswerShowsTheServersMessage() throws Exception {
    String url =
        serve(404, "application/json", "{\"error\":\"no such route\",\"status\":404}", false);
    ApiClientException e = assertThrows(ApiClientException.class, () -> open(url, WAIT));
    assertEquals(404, e.status());
    assertEquals(
        "no such route: this server has no live stream (GET /api/v1/stream): is it older than"
            + " this fluke command?",
        e.getMessage());
  }
}

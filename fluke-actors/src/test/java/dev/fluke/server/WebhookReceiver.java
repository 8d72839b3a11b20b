package dev.fluke.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real HTTP server on a free loopback port that records alert webhook POSTs. */
final class WebhookReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final BlockingQueue<JsonNode> bodies = new LinkedBlockingQueue<>();
  private final List<JsonNode> all = new ArrayList<>();

  /** The {@code id} of every request, refused ones too. */
  private final List<String> attemptIds = new ArrayList<>();

  private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          Integer status = statuses.poll();
          int code = status == null ? 200 : status;
          JsonNode node = JSON.readTree(new String(body, StandardCharsets.UTF_8));
          synchronized (all) {
            attemptIds.add(node.path("id").asText(null));
          }
          if (code < 300) {
            synchronized (all) {
              all.add(node);
            }
            bodies.add(node);
          }
          exchange.sendResponseHeaders(code, -1);
          exchange.close();
        });
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  /** The next responses have these status codes (then 200 again). */
  void respondWith(Integer... codes) {
    statuses.addAll(List.of(codes));
  }

  /** The next accepted alert; fails the test after 10 s. */
  JsonNode next() throws InterruptedException {
    JsonNode n = bodies.poll(10, TimeUnit.SECONDS);
    if (n == null) {
      throw new AssertionError("no alert arrived at the webhook");
    }
    return n;
  }

  /** Status codes set with {@link #respondWith} that no request has used yet. */
  int pendingStatuses() {
    return statuses.size();
  }

  /** The {@code id} of every request received, in order, refused ones included. */
  List<String> attemptIds() {
    synchronized (all) {
      return List.copyOf(attemptIds);
    }
  }

  List<JsonNode> received() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

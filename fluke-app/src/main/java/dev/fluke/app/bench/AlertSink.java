package dev.fluke.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A tiny alert webhook for {@code fluke bench --kill-node}'s rolling restart: an HTTP server on
 * 127.0.0.1 that answers 200 to every POST and keeps each alert's {@code event}, agent name and
 * task (docs/architecture.md, "Alerts"). Bodies it cannot read are kept as kind {@code unreadable}.
 * A POST with an {@code id} already received is a redelivery (the server's attempt arrived but its
 * answer timed out, so it was sent again), counted apart and not kept again, as a receiver
 * deduplicating by {@code id} would.
 */
final class AlertSink implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<RollingTally.Alert> alerts = new ArrayList<>();
  private final Set<String> ids = new HashSet<>();
  private int redeliveries;

  private AlertSink(HttpServer server) {
    this.server = server;
  }

  static AlertSink start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    AlertSink sink = new AlertSink(server);
    server.createContext("/alerts", sink::handle);
    server.setExecutor(null);
    server.start();
    return sink;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/alerts";
  }

  synchronized List<RollingTally.Alert> alerts() {
    return List.copyOf(alerts);
  }

  /** POSTs of an alert already received (same {@code id}). */
  synchronized int redeliveries() {
    return redeliveries;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      RollingTally.Alert alert;
      String id = null;
      try {
        JsonNode json = JSON.readTree(body);
        id = json.path("id").asText(null);
        alert =
            new RollingTally.Alert(
                json.path("event").asText("unreadable"),
                new RollingTally.Episode(
                    json.path("agent").path("name").asText(""), json.path("task").asText("")));
      } catch (IOException e) {
        alert = new RollingTally.Alert("unreadable", new RollingTally.Episode("", ""));
      }
      synchronized (this) {
        if (id != null && !ids.add(id)) {
          redeliveries++;
        } else {
          alerts.add(alert);
        }
      }
      exchange.sendResponseHeaders(200, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

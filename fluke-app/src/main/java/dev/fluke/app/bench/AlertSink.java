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
import java.util.List;

/**
 * A tiny alert webhook for {@code fluke bench --kill-node}'s rolling restart: an HTTP server on
 * 127.0.0.1 that answers 200 to every POST and keeps each alert's {@code event}, agent name and
 * task (docs/api.md, "Alerts"). Bodies it cannot read are kept as kind {@code unreadable}.
 */
final class AlertSink implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<RollingTally.Alert> alerts = new ArrayList<>();

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

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      RollingTally.Alert alert;
      try {
        JsonNode json = JSON.readTree(body);
        alert =
            new RollingTally.Alert(
                json.path("event").asText("unreadable"),
                new RollingTally.Episode(
                    json.path("agent").path("name").asText(""), json.path("task").asText("")));
      } catch (IOException e) {
        alert = new RollingTally.Alert("unreadable", new RollingTally.Episode("", ""));
      }
      synchronized (this) {
        alerts.add(alert);
      }
      exchange.sendResponseHeaders(200, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

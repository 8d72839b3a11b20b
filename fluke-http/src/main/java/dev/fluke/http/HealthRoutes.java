package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /healthz}: 200 {@code ok} while the process serves HTTP. No auth and no call into the
 * fleet, so a load balancer or systemd watchdog can probe it cheaply.
 */
public final class HealthRoutes {
  public Route routes() {
    return path("healthz", () -> get(() -> complete("ok")));
  }
}

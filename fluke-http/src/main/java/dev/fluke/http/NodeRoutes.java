package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /nodes}: the server nodes (cluster mode: every member with its status, reachability,
 * agents held, leader, singletons and version; a single server is one node, {@code local}).
 */
public final class NodeRoutes {
  private final FleetApi api;
  private final Answers answers;

  public NodeRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.answers = new Answers(json, errors);
  }

  public Route routes() {
    return path("nodes", () -> get(() -> answers.all("GET /api/v1/nodes", api::nodes)));
  }
}

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
  private final Marshaller<Object, RequestEntity> json;
  private final QueryParams params;

  public NodeRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return path(
        "nodes",
        () ->
            get(
                () ->
                    params.none(
                        "GET /api/v1/nodes",
                        () -> onSuccess(api::nodes, n -> completeOK(n, json)))));
  }
}

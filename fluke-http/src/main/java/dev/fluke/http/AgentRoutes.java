package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /agents} (every known agent) and {@code GET /agents/{name}} (one agent with its
 * tasks).
 */
public final class AgentRoutes {
  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;

  public AgentRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.errors = errors;
  }

  public Route routes() {
    return pathPrefix(
        "agents",
        () ->
            concat(
                pathEnd(() -> get(this::list)),
                path(PathMatchers.segment(), name -> get(() -> detail(name)))));
  }

  private Route list() {
    return onSuccess(api::agents, all -> completeOK(all, json));
  }

  private Route detail(String name) {
    return onSuccess(
        () -> api.agent(name),
        found ->
            found
                .<Route>map(detail -> completeOK(detail, json))
                .orElseGet(
                    () -> errors.error(StatusCodes.NOT_FOUND, "agent '" + name + "' not found")));
  }
}

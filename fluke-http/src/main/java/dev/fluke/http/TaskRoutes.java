package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import dev.fluke.api.PartialFleet;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /tasks} (the tasks of the desired state in force) and {@code GET /tasks/{name}} (one
 * task's definition and its status on every matching agent).
 */
public final class TaskRoutes {
  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  public TaskRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return pathPrefix(
        "tasks",
        () ->
            concat(
                pathEnd(() -> get(this::list)),
                path(PathMatchers.segment(), name -> get(() -> detail(name)))));
  }

  private Route list() {
    return params.none(
        "GET /api/v1/tasks",
        () ->
            onSuccess(
                PartialFleet.of(api)::tasksFromEveryNode,
                all -> AgentRoutes.withMissingNodes(all, () -> completeOK(all.value(), json))));
  }

  private Route detail(String name) {
    return params.none(
        "GET /api/v1/tasks/{name}",
        () ->
            onSuccess(
                () -> PartialFleet.of(api).taskFromEveryNode(name),
                found ->
                    AgentRoutes.withMissingNodes(
                        found,
                        () ->
                            found
                                .value()
                                .<Route>map(detail -> completeOK(detail, json))
                                .orElseGet(
                                    () ->
                                        errors.error(
                                            StatusCodes.NOT_FOUND,
                                            "task '" + name + "' not found")))));
  }
}

package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import dev.fluke.api.PartialFleet;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /tasks} (the tasks of the desired state in force) and {@code GET /tasks/{name}} (one
 * task's definition and its status on every matching agent).
 */
public final class TaskRoutes {
  private final FleetApi api;
  private final Answers answers;

  public TaskRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.answers = new Answers(json, errors);
  }

  public Route routes() {
    return pathPrefix(
        "tasks",
        () ->
            concat(
                pathEnd(
                    () ->
                        get(
                            () ->
                                answers.allFromEveryNode(
                                    "GET /api/v1/tasks",
                                    PartialFleet.of(api)::tasksFromEveryNode))),
                path(
                    PathMatchers.segment(),
                    name ->
                        get(
                            () ->
                                answers.oneFromEveryNode(
                                    "GET /api/v1/tasks/{name}",
                                    () -> PartialFleet.of(api).taskFromEveryNode(name),
                                    "task '" + name + "' not found")))));
  }
}

package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The staged rollouts of issue 10: {@code GET /rollouts} (every task's rollout), {@code GET
 * /rollouts/{task}} and {@code POST /rollouts/{task}/resume} (resume a halted rollout).
 */
public final class RolloutRoutes {
  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  public RolloutRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return pathPrefix(
        "rollouts",
        () ->
            concat(
                pathEnd(() -> get(this::list)),
                path(PathMatchers.segment(), task -> get(() -> one(task))),
                path(PathMatchers.segment().slash("resume"), task -> post(() -> resume(task)))));
  }

  private Route list() {
    return params.none(
        "GET /api/v1/rollouts", () -> onSuccess(api::rollouts, all -> completeOK(all, json)));
  }

  private Route one(String task) {
    return params.none(
        "GET /api/v1/rollouts/{task}",
        () ->
            onSuccess(
                () -> api.rollout(task),
                found ->
                    found.<Route>map(r -> completeOK(r, json)).orElseGet(() -> notFound(task))));
  }

  private Route resume(String task) {
    return params.none(
        "POST /api/v1/rollouts/{task}/resume",
        () ->
            extractClientIP(
                ip ->
                    onSuccess(
                        () ->
                            api.resumeRollout(
                                task,
                                "the API ("
                                    + ip.getAddress().map(a -> a.getHostAddress()).orElse("?")
                                    + ")"),
                        found ->
                            found
                                .<Route>map(r -> completeOK(r, json))
                                .orElseGet(() -> notFound(task)))));
  }

  private Route notFound(String task) {
    return errors.error(
        StatusCodes.NOT_FOUND, "task '" + task + "' is not in force or has no rollout");
  }
}

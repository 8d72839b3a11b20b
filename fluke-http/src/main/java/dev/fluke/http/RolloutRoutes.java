package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The staged rollouts of issue 10: {@code GET /rollouts} (every task's rollout), {@code GET
 * /rollouts/{task}} and {@code POST /rollouts/{task}/resume} (resume a halted rollout).
 */
public final class RolloutRoutes {
  private final FleetApi api;
  private final Answers answers;
  private final QueryParams params;

  public RolloutRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.answers = new Answers(json, errors);
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return pathPrefix(
        "rollouts",
        () ->
            concat(
                pathEnd(() -> get(() -> answers.all("GET /api/v1/rollouts", api::rollouts))),
                path(
                    PathMatchers.segment(),
                    task ->
                        get(
                            () ->
                                answers.one(
                                    "GET /api/v1/rollouts/{task}",
                                    () -> api.rollout(task),
                                    notFound(task)))),
                path(PathMatchers.segment().slash("resume"), task -> post(() -> resume(task)))));
  }

  private Route resume(String task) {
    return params.none(
        "POST /api/v1/rollouts/{task}/resume",
        () ->
            extractClientIP(
                ip ->
                    answers.found(
                        () ->
                            api.resumeRollout(
                                task,
                                "the API ("
                                    + ip.getAddress().map(a -> a.getHostAddress()).orElse("?")
                                    + ")"),
                        notFound(task))));
  }

  private static String notFound(String task) {
    return "task '" + task + "' is not in force or has no rollout";
  }
}

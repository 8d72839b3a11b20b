package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import dev.fluke.api.PartialFleet;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /drift}: every (agent, task) pair that is drifted, failed or in error. */
public final class DriftRoutes {
  private final FleetApi api;
  private final Answers answers;

  public DriftRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.answers = new Answers(json, errors);
  }

  public Route routes() {
    return path(
        "drift",
        () ->
            get(
                () ->
                    answers.allFromEveryNode(
                        "GET /api/v1/drift", PartialFleet.of(api)::driftFromEveryNode)));
  }
}

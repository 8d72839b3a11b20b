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
  private final Marshaller<Object, RequestEntity> json;
  private final QueryParams params;

  public DriftRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return path(
        "drift",
        () ->
            get(
                () ->
                    params.none(
                        "GET /api/v1/drift",
                        () ->
                            onSuccess(
                                PartialFleet.of(api)::driftFromEveryNode,
                                drift ->
                                    AgentRoutes.withMissingNodes(
                                        drift, () -> completeOK(drift.value(), json))))));
  }
}

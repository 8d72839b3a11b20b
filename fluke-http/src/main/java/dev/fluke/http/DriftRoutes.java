package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /drift}: every (agent, task) pair that is drifted, failed or in error. */
public final class DriftRoutes {
  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;

  public DriftRoutes(FleetApi api, Marshaller<Object, RequestEntity> json) {
    this.api = api;
    this.json = json;
  }

  public Route routes() {
    return path("drift", () -> get(() -> onSuccess(api::drift, drift -> completeOK(drift, json))));
  }
}

package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /manifest}: the commit in force, the newest commit and, when that one was rejected,
 * every error in it with {@code file:line:column}.
 */
public final class ManifestRoutes {
  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final QueryParams params;

  public ManifestRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return path(
        "manifest",
        () ->
            get(
                () ->
                    params.none(
                        "GET /api/v1/manifest",
                        () -> onSuccess(api::manifest, status -> completeOK(status, json)))));
  }
}

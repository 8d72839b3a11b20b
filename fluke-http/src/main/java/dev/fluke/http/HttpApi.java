package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.FleetApi;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;

/**
 * The server's HTTP face (SPEC §6): the JSON API under {@code /api/v1} behind {@link ApiAuth},
 * {@code /healthz}, and whatever other routes the server adds (UI, Git webhook, metrics), all
 * answered through one {@link ApiErrors} exception and rejection handler so every error is {@code
 * {"error": ..., "status": N}}.
 *
 * <p>Wiring: {@code HttpApi.bind(system, host, port, HttpApi.routes(fleetApi, apiTokens, uiRoute,
 * webhookRoute))}, or {@code HttpApi.bind(system, host, port, fleetApi, apiTokens)} for the API
 * alone. Always bind through {@link #serverAt} (or the {@code bind} methods): it turns on the
 * connection's remote-address attribute that {@link ApiAuth} needs to recognise local callers;
 * without it every caller counts as remote.
 */
public final class HttpApi {
  private HttpApi() {}

  /**
   * The API and {@code /healthz}, followed by {@code extra} routes (tried in order after them,
   * outside the API's auth: they bring their own, e.g. webhook signatures), all sealed with the
   * JSON error handlers.
   *
   * @param apiTokens the server's {@code api_tokens}; empty means only loopback callers may use the
   *     API
   */
  public static Route routes(FleetApi api, Set<String> apiTokens, Route... extra) {
    ObjectMapper mapper = ApiJson.create();
    Marshaller<Object, RequestEntity> json = Jackson.marshaller(mapper);
    ApiErrors errors = new ApiErrors(mapper);
    ApiAuth auth = new ApiAuth(apiTokens, errors);
    Route v1 =
        pathPrefix(
            "api",
            () ->
                pathPrefix(
                    "v1",
                    () ->
                        auth.authorize(
                            () ->
                                concat(
                                    new AgentRoutes(api, json, errors).routes(),
                                    new NodeRoutes(api, json, errors).routes(),
                                    new TaskRoutes(api, json, errors).routes(),
                                    new DriftRoutes(api, json, errors).routes(),
                                    new EventRoutes(api, json, errors).routes(),
                                    new ManifestRoutes(api, mapper, json, errors).routes(),
                                    new ReconcileRoutes(api, mapper, json, errors).routes(),
                                    new SuspensionRoutes(api, mapper, json, errors, auth).routes(),
                                    new PlanRoutes(api, mapper, json, errors).routes(),
                                    new RolloutRoutes(api, json, errors).routes()))));
    Route[] rest = new Route[extra.length + 1];
    rest[0] = new HealthRoutes().routes();
    System.arraycopy(extra, 0, rest, 1, extra.length);
    return withRequestTimeoutResponse(
        errors::requestTimeout,
        () ->
            handleExceptions(
                errors.exceptionHandler(),
                () -> handleRejections(errors.rejectionHandler(), () -> concat(v1, rest))));
  }

  /** Binds the API and {@code /healthz} alone. */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, String host, int port, FleetApi api, Set<String> apiTokens) {
    return bind(system, host, port, routes(api, apiTokens));
  }

  /** Binds any route (normally one from {@link #routes}) with the settings the API needs. */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, String host, int port, Route route) {
    return serverAt(system, host, port).bind(route);
  }

  /**
   * A server builder with the remote-address attribute on, for callers that need more (e.g. {@code
   * .enableHttps(context)}) before {@code .bind(route)}.
   */
  public static ServerBuilder serverAt(ActorSystem<?> system, String host, int port) {
    return Http.get(system)
        .newServerAt(host, port)
        // HTTP/1.1 only: the agents' gRPC endpoint turns HTTP/2 on system-wide
        // (pekko.http.server.preview),
        // and on an HTTP/2-enabled binding plain requests carry neither the remote address nor a
        // request
        // timeout, which the loopback-only rule and the JSON 503 on timeouts rely on.
        .adaptSettings(
            settings ->
                settings
                    .withRemoteAddressAttribute(true)
                    .withPreviewServerSettings(
                        settings.getPreviewServerSettings().withEnableHttp2(false))
                    .withTimeouts(longEnoughForAPlan(settings.getTimeouts())));
  }

  /**
   * A plan ({@code POST /api/v1/plan}) answers once the agents did, up to {@link
   * PlanRoutes#LONGEST}; no byte flows meanwhile, and a connection idle longer than {@code
   * pekko.http.server.idle-timeout} (60 s by default) would be closed under it. The idle timeout is
   * raised to that, never lowered.
   */
  static ServerSettings.Timeouts longEnoughForAPlan(ServerSettings.Timeouts timeouts) {
    scala.concurrent.duration.Duration idle = timeouts.idleTimeout();
    scala.concurrent.duration.FiniteDuration needed =
        scala.concurrent.duration.Duration.fromNanos(PlanRoutes.LONGEST.toNanos());
    return idle.isFinite() && idle.lt(needed) ? timeouts.withIdleTimeout(needed) : timeouts;
  }
}

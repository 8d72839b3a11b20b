package dev.fluke.http.ui;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.FleetApi;
import dev.fluke.api.LiveFeed;
import dev.fluke.http.ApiAuth;
import dev.fluke.http.ApiErrors;
import dev.fluke.http.ApiJson;
import dev.fluke.http.HttpApi;
import dev.fluke.http.metrics.OpsRoutes;
import dev.fluke.http.metrics.Readiness;
import dev.fluke.http.webhook.WebhookRoutes;
import dev.fluke.http.webhook.WebhookSettings;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Everything the server answers on {@code listen_http}, in one route: the JSON API and {@code
 * /healthz} ({@link HttpApi}), the live stream, {@code /readyz}, {@code /metrics}, the web UI and
 * the Git push webhook. Bind it with {@code HttpApi.bind(system, host, port,
 * WebRoutes.create(...))} (or {@code HttpApi.serverAt(...).enableHttps(...).bind(...)}).
 *
 * <p>The webhook is tried first, before the API's auth: it lives under {@code /api/v1} but is
 * authenticated by the forge's signature, since forges cannot send the API's bearer token (and,
 * with no {@code api_tokens}, the API refuses every non-local caller, which a forge always is).
 * Everything else is an {@code extra} route of {@link HttpApi#routes}: the stream under the API's
 * auth, the UI, readiness and metrics open like {@code /healthz}.
 */
public final class WebRoutes {
  /**
   * How often an idle live stream sends a heartbeat; well under common proxy idle timeouts (60 s).
   */
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

  private WebRoutes() {}

  /**
   * @param api the fleet, as for {@link HttpApi#routes}
   * @param apiTokens the server's {@code api_tokens} (empty: the API and stream answer local
   *     callers only)
   * @param feed live updates for the stream
   * @param metrics the server's metrics, rendered by {@code /metrics}; the webhook counts its calls
   *     there
   * @param webhook {@code git { webhook_secret, branch }} and the action that starts a fetch
   * @param readiness what {@code /readyz} asks
   */
  public static Route create(
      FleetApi api,
      Set<String> apiTokens,
      LiveFeed feed,
      FlukeMetrics metrics,
      WebhookSettings webhook,
      Readiness readiness) {
    return create(api, apiTokens, feed, metrics, webhook, readiness, DEFAULT_HEARTBEAT);
  }

  /** Same, with the live stream's heartbeat interval. */
  public static Route create(
      FleetApi api,
      Set<String> apiTokens,
      LiveFeed feed,
      FlukeMetrics metrics,
      WebhookSettings webhook,
      Readiness readiness,
      Duration heartbeat) {
    ObjectMapper mapper = ApiJson.create();
    ApiErrors errors = new ApiErrors(mapper);
    ApiAuth auth = new ApiAuth(apiTokens, errors);
    Route webhookRoute = new WebhookRoutes(webhook, metrics, mapper, errors).routes();
    Route rest =
        HttpApi.routes(
            api,
            apiTokens,
            new LiveStreamRoutes(feed, mapper, auth, errors, heartbeat).routes(),
            new OpsRoutes(metrics, readiness, mapper).routes(),
            new UiRoutes().routes());
    return concat(webhookRoute, rest);
  }
}

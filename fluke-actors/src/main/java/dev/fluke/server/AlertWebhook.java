package dev.fluke.server;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One POST of an alert's JSON body to the {@code alert_webhook}, for {@link DriftAlerter}: the HTTP
 * client (its threads are the blocking executor's, never the alerter's), the request and how a
 * failure reads in the alert's event. Retries and bookkeeping stay with the alerter.
 */
final class AlertWebhook {
  /** The attempt's outcome: the HTTP status, or -1 and why no answer came. */
  record Outcome(int status, String error) {}

  private final ServerSettings.Alerts settings;
  private final String userAgent;
  private final HttpClient http;

  AlertWebhook(ServerSettings.Alerts settings, String version, Executor blocking) {
    this.settings = settings;
    this.userAgent = "fluke/" + version;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.requestTimeout())
            .executor(blocking)
            .build();
  }

  /** Posts {@code json}; the stage never fails (a failure is an outcome with status -1). */
  CompletionStage<Outcome> post(String json) {
    HttpRequest request =
        HttpRequest.newBuilder(settings.webhook())
            .timeout(settings.requestTimeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", userAgent)
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle(
            (response, failure) ->
                response != null
                    ? new Outcome(response.statusCode(), null)
                    : new Outcome(-1, describe(failure)));
  }

  private static String describe(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    String m = cause.getMessage();
    return cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}

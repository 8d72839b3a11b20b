package dev.fluke.http.webhook;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.http.ApiErrors;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.metrics.FlukeMetrics.WebhookResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/webhooks/git}: a forge tells the server about a push, and a push to the
 * followed branch starts an immediate fetch instead of waiting for the next poll.
 *
 * <p>Authenticated by the forge's signature ({@link WebhookVerifier}), never by the API's bearer
 * token, which forges cannot send: this route must be tried before the API's auth. Answers:
 *
 * <ul>
 *   <li>202 {@code {"result":"fetching"}}: a good push to the branch; {@code fetchNow} was called.
 *   <li>202 {@code {"result":"ignored"}}: a good call about another branch, a tag or another event.
 *   <li>200 {@code {"result":"pong"}}: GitHub's ping when the hook is created.
 *   <li>401: unsigned or wrongly signed; nothing triggered.
 *   <li>400: signed, but the push payload has no {@code ref}.
 *   <li>404: no {@code webhook_secret} is configured (the message says how to set it).
 *   <li>405: any method but POST.
 * </ul>
 */
public final class WebhookRoutes {
  private static final Logger log = LoggerFactory.getLogger(WebhookRoutes.class);

  static final String DISABLED =
      "the Git webhook is off: set git { webhook_secret = \"<long random string>\" } in the server block of"
          + " server.hcl, restart the server, and give the same secret to the forge's webhook";

  /** The body of every non-error answer. */
  public record WebhookAnswer(String result, String message) {}

  private final WebhookSettings settings;
  private final WebhookVerifier verifier;
  private final FlukeMetrics metrics;
  private final ObjectMapper mapper;
  private final ApiErrors errors;
  private final Marshaller<WebhookAnswer, RequestEntity> json;

  public WebhookRoutes(
      WebhookSettings settings, FlukeMetrics metrics, ObjectMapper mapper, ApiErrors errors) {
    this.settings = settings;
    this.verifier = settings.enabled() ? new WebhookVerifier(settings.secret()) : null;
    this.metrics = metrics;
    this.mapper = mapper;
    this.errors = errors;
    this.json = Jackson.marshaller(mapper);
  }

  /**
   * The webhook path, with every answer on it (errors included) completed here: once the path
   * matches, nothing falls through to the API's auth.
   */
  public Route routes() {
    return path(
        PathMatchers.segment("api").slash("v1").slash("webhooks").slash("git"),
        () ->
            handleExceptions(
                errors.exceptionHandler(),
                () ->
                    handleRejections(
                        errors.rejectionHandler(),
                        () ->
                            concat(
                                post(this::onPost),
                                errors.error(
                                    StatusCodes.METHOD_NOT_ALLOWED,
                                    List.of(HttpHeader.parse("Allow", "POST")),
                                    "the Git webhook takes POST only (the forge's push event)")))));
  }

  private Route onPost() {
    if (verifier == null) {
      return errors.error(StatusCodes.NOT_FOUND, DISABLED);
    }
    return extractRequest(
        request -> entity(Unmarshaller.entityToByteArray(), body -> onBody(request, body)));
  }

  private Route onBody(HttpRequest request, byte[] body) {
    Map<String, String> headers = new HashMap<>();
    for (HttpHeader header : request.getHeaders()) {
      headers.put(header.lowercaseName(), header.value());
    }
    WebhookVerifier.Verdict verdict = verifier.verify(headers, body);
    if (!verdict.valid()) {
      metrics.webhookReceived(verdict.forge(), WebhookResult.REJECTED);
      log.warn("Git webhook refused ({}): {}", verdict.forge(), verdict.reason());
      return errors.error(StatusCodes.UNAUTHORIZED, verdict.reason());
    }
    PushEvent event;
    try {
      String contentType = request.entity().getContentType().mediaType().toString();
      event = PushEvent.read(mapper, WebhookVerifier.lowerCase(headers), contentType, body);
    } catch (IllegalArgumentException e) {
      metrics.webhookReceived(verdict.forge(), WebhookResult.IGNORED);
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    switch (event.kind()) {
      case "ping":
        metrics.webhookReceived(verdict.forge(), WebhookResult.IGNORED);
        return complete(
            StatusCodes.OK,
            new WebhookAnswer(
                "pong", "the webhook works; pushes to " + settings.branch() + " start a fetch"),
            json);
      case "other":
        metrics.webhookReceived(verdict.forge(), WebhookResult.IGNORED);
        return complete(
            StatusCodes.ACCEPTED,
            new WebhookAnswer(
                "ignored",
                "event '" + event.event() + "' is not a push; only pushes start a fetch"),
            json);
      default:
        break;
    }
    if (!event.ref().equals(settings.ref())) {
      metrics.webhookReceived(verdict.forge(), WebhookResult.IGNORED);
      return complete(
          StatusCodes.ACCEPTED,
          new WebhookAnswer(
              "ignored",
              "push to " + event.ref() + " ignored: this server follows " + settings.ref()),
          json);
    }
    settings.fetchNow().run();
    metrics.webhookReceived(verdict.forge(), WebhookResult.TRIGGERED);
    log.info("Git webhook ({}): push to {}, fetching now", verdict.forge(), event.ref());
    return complete(
        StatusCodes.ACCEPTED,
        new WebhookAnswer("fetching", "push to " + event.ref() + ": fetching the manifests now"),
        json);
  }
}

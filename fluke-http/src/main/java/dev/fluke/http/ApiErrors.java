package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.HistoryUnavailable;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error the HTTP layer answers with, in one place and one shape ({@link ApiError}): the
 * routes' own errors (404 for an unknown agent, 400 for a bad parameter), the one {@link
 * ExceptionHandler} (a failed or timed-out {@code FleetApi} call) and the one {@link
 * RejectionHandler} (unknown path, wrong method, malformed body).
 */
public final class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  private final ObjectMapper mapper;
  private final Marshaller<ApiError, RequestEntity> marshaller;

  public ApiErrors(ObjectMapper mapper) {
    this.mapper = mapper;
    this.marshaller = Jackson.marshaller(mapper);
  }

  /** Completes with {@code {"error": message, "status": status}}. */
  public Route error(StatusCode status, String message) {
    return complete(status, new ApiError(message, status.intValue()), marshaller);
  }

  /** Same, with extra response headers (e.g. {@code WWW-Authenticate}). */
  public Route error(StatusCode status, Iterable<HttpHeader> headers, String message) {
    return complete(status, headers, new ApiError(message, status.intValue()), marshaller);
  }

  /**
   * Failures of the server behind the API. {@link HistoryUnavailable} (the event store is down) is
   * a 503 with its message: nothing else can be answered without the history. A timeout means the
   * fleet actors did not answer in time (busy or restarting): 503, worth retrying. Anything else is
   * a bug or an outage: 500, logged with its stack trace. Bad input never gets here: the routes
   * answer 400 themselves.
   */
  public ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder().matchAny(this::onException).build();
  }

  private Route onException(Throwable thrown) {
    Throwable cause = unwrap(thrown);
    if (cause instanceof HistoryUnavailable) {
      // An outage of the event store, already logged by the store: nothing to add per request.
      log.debug("API request answered 503: {}", cause.getMessage());
      return error(StatusCodes.SERVICE_UNAVAILABLE, cause.getMessage());
    }
    if (cause instanceof TimeoutException) {
      return error(
          StatusCodes.SERVICE_UNAVAILABLE,
          "the server did not answer in time (" + describe(cause) + "); try again");
    }
    log.error("API request failed", cause);
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "internal server error: " + describe(cause));
  }

  /**
   * Pekko's default rejection handling (it knows the right status and headers for every rejection,
   * e.g. {@code Allow} on 405) with its plain-text bodies turned into {@link ApiError} JSON;
   * unknown paths name the path.
   */
  public RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleNotFound(
            extractRequest(
                request ->
                    error(
                        StatusCodes.NOT_FOUND,
                        "no such endpoint: "
                            + request.method().name()
                            + " "
                            + request.getUri().path())))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(this::toJson);
  }

  /**
   * The answer when a request outlives {@code pekko.http.server.request-timeout}: Pekko sends it
   * from outside the route, so it would otherwise be a plain-text 503.
   */
  public HttpResponse requestTimeout(HttpRequest request) {
    return toJson(
        HttpResponse.create()
            .withStatus(StatusCodes.SERVICE_UNAVAILABLE)
            .withEntity(
                "the server did not answer "
                    + request.method().name()
                    + " "
                    + request.getUri().path()
                    + " in time; try again"));
  }

  private HttpResponse toJson(HttpResponse response) {
    if (!(response.entity() instanceof HttpEntity.Strict strict)
        || !strict.getContentType().mediaType().equals(MediaTypes.TEXT_PLAIN)) {
      return response;
    }
    String text = strict.getData().decodeString(StandardCharsets.UTF_8);
    ApiError body = new ApiError(text, response.status().intValue());
    try {
      return response.withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      // Cannot happen for a record of a string and an int; keep the plain-text answer if it ever
      // does.
      return response;
    }
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }
}

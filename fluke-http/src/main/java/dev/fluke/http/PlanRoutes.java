package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.FleetApi;
import dev.fluke.api.PlanResult;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.Iterator;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /plan} with {@code {"ref":"feature/x"}} (and optionally {@code "timeout":"30s"}):
 * what merging that ref of the manifest repository would do ({@link PlanResult}), answered 200 once
 * the plan is done, whatever its verdict (a ref that does not exist or does not load is a plan with
 * verdict {@code errors}); 400 for a bad body. The request may take up to the plan's timeout plus
 * the time Git takes, so this route has a request timeout of its own.
 */
public final class PlanRoutes {
  private static final String FORM =
      "send {\"ref\":\"BRANCH, TAG, refs/... OR COMMIT\"} and optionally \"timeout\":\"30s\"";

  /** What the route allows for Git and loading on top of the plan's timeout. */
  static final Duration GIT_ALLOWANCE = Duration.ofMinutes(2);

  /** The longest a plan request may take: the longest plan timeout, Git, and a margin. */
  static final Duration LONGEST =
      PlanResult.MAX_TIMEOUT.plus(GIT_ALLOWANCE).plus(Duration.ofMinutes(1));

  private final FleetApi api;
  private final ObjectMapper mapper;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  public PlanRoutes(
      FleetApi api, ObjectMapper mapper, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.mapper = mapper;
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return path(
        "plan",
        () ->
            post(
                () ->
                    params.none(
                        "POST /api/v1/plan",
                        () -> entity(Unmarshaller.entityToString(), this::onBody))));
  }

  /** A plan request: the ref and the timeout (null: the server's default). */
  record Request(String ref, Duration timeout) {}

  private Route onBody(String body) {
    Request r;
    try {
      r = parse(mapper, body);
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    Duration wait = r.timeout() == null ? PlanResult.DEFAULT_TIMEOUT : r.timeout();
    return withRequestTimeout(
        scala.concurrent.duration.Duration.fromNanos(wait.plus(GIT_ALLOWANCE).toNanos()),
        () -> onSuccess(() -> api.plan(r.ref(), r.timeout()), result -> completeOK(result, json)));
  }

  /**
   * Reads a plan request body.
   *
   * @throws IllegalArgumentException with a message for the caller when it is not {@code
   *     {"ref":...}} with an optional timeout of at most {@link PlanResult#MAX_TIMEOUT}
   */
  static Request parse(ObjectMapper mapper, String body) {
    JsonNode node = JsonBodies.object(mapper, body, FORM);
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!field.equals("ref") && !field.equals("timeout")) {
        throw new IllegalArgumentException(
            "unknown property \"" + field + "\" (a plan takes ref and timeout); " + FORM);
      }
    }
    JsonNode ref = node.get("ref");
    if (ref == null || !ref.isTextual() || ref.asText().isBlank()) {
      throw new IllegalArgumentException("\"ref\" is missing; " + FORM);
    }
    JsonNode timeoutNode = node.get("timeout");
    Duration timeout = null;
    if (timeoutNode != null && !timeoutNode.isNull()) {
      if (!timeoutNode.isTextual()) {
        throw new IllegalArgumentException(
            "\"timeout\" must be a duration string such as \"30s\"; " + FORM);
      }
      try {
        timeout = Durations.parse(timeoutNode.asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("\"timeout\": " + e.getMessage());
      }
      if (timeout.isZero()
          || timeout.isNegative()
          || timeout.compareTo(PlanResult.MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "\"timeout\" must be more than 0 and at most "
                + Durations.format(PlanResult.MAX_TIMEOUT));
      }
    }
    return new Request(ref.asText().strip(), timeout);
  }
}

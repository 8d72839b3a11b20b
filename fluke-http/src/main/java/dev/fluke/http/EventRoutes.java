package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.EventOutcomes;
import dev.fluke.api.FleetApi;
import dev.fluke.events.EventQuery;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /events?agent=&task=&outcome=&limit=}: recent events, newest first. Filters are exact
 * matches and optional; {@code limit} defaults to {@value #DEFAULT_LIMIT} and may be at most
 * {@value #MAX_LIMIT}, so one call can never ask a Redis-backed store for its whole history.
 *
 * <p>Strict: a parameter that is given must have a value ({@code agent=} is a 400, not "any
 * agent"), {@code outcome} must be one of {@link EventOutcomes#ALL}, {@code limit} a whole number
 * in range, and no other parameter is taken. When the event store cannot be read the answer is 503
 * with the reason (there is nothing else to answer with). In cluster mode with stores of their own
 * the answer merges every node's history; the nodes that did not answer in time are named in the
 * {@code Fluke-Missing-Nodes} header.
 */
public final class EventRoutes {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 1000;
  static final List<String> PARAMETERS = List.of("agent", "task", "outcome", "limit");

  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  public EventRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return path(
        "events", () -> get(() -> params.only("GET /api/v1/events", PARAMETERS, this::onQuery)));
  }

  private Route onQuery(Map<String, String> p) {
    EventQuery query;
    try {
      query = parse(p);
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return onSuccess(
        () -> api.eventsFromEveryNode(query),
        events -> AgentRoutes.withMissingNodes(events, () -> completeOK(events.value(), json)));
  }

  /**
   * The query a request's parameters ask for.
   *
   * @throws IllegalArgumentException with a message for the caller naming what is allowed
   */
  static EventQuery parse(Map<String, String> p) {
    String outcome = name(p, "outcome", "leave it out for any outcome");
    if (outcome != null && !EventOutcomes.isKnown(outcome)) {
      throw new IllegalArgumentException(
          "outcome must be one of "
              + String.join(", ", EventOutcomes.ALL)
              + "; got '"
              + outcome
              + "'");
    }
    return new EventQuery(
        name(p, "agent", "leave it out for every agent"),
        name(p, "task", "leave it out for every task"),
        outcome,
        parseLimit(p.get("limit")));
  }

  /** The value of a name filter, or null when it is not given; given, it must not be blank. */
  private static String name(Map<String, String> p, String key, String hint) {
    if (!p.containsKey(key)) {
      return null;
    }
    String value = p.get(key).trim();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(key + " must not be empty (" + hint + ")");
    }
    return value;
  }

  /**
   * The limit a request asks for: absent means the default; given, it must be a whole number from 1
   * to {@value #MAX_LIMIT} (digits only: no sign, no blank, no decimals).
   */
  static int parseLimit(String param) {
    if (param == null) {
      return DEFAULT_LIMIT;
    }
    String digits = param.trim();
    if (!digits.matches("[0-9]{1,9}")) {
      throw new IllegalArgumentException(
          "limit must be a whole number from 1 to "
              + MAX_LIMIT
              + " (leave it out for "
              + DEFAULT_LIMIT
              + "); got '"
              + param
              + "'");
    }
    int limit = Integer.parseInt(digits);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + "; got " + limit);
    }
    return limit;
  }
}

package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.FleetApi;
import dev.fluke.events.EventQuery;
import java.util.Map;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /events?agent=&task=&outcome=&limit=}: recent events, newest first. Filters are exact
 * matches and optional; {@code limit} defaults to {@value #DEFAULT_LIMIT} and may be at most
 * {@value #MAX_LIMIT}, so one call can never ask a Redis-backed store for its whole history.
 */
public final class EventRoutes {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 1000;

  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;

  public EventRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.errors = errors;
  }

  public Route routes() {
    return path("events", () -> get(() -> parameterMap(this::onQuery)));
  }

  private Route onQuery(Map<String, String> params) {
    String limitParam = params.get("limit");
    int limit;
    try {
      limit = parseLimit(limitParam);
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    EventQuery query =
        new EventQuery(
            blankToNull(params.get("agent")),
            blankToNull(params.get("task")),
            blankToNull(params.get("outcome")),
            limit);
    return onSuccess(() -> api.events(query), events -> completeOK(events, json));
  }

  /** The limit a request asks for; absent or empty means the default. */
  static int parseLimit(String param) {
    if (param == null || param.isBlank()) {
      return DEFAULT_LIMIT;
    }
    int limit;
    try {
      limit = Integer.parseInt(param.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "limit must be a whole number from 1 to " + MAX_LIMIT + ", got '" + param + "'");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
    }
    return limit;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}

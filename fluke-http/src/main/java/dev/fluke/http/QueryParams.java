package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Strict query strings for the API's routes: each route names the parameters it takes, and a
 * request with any other parameter, or with one of them twice, is answered 400 with what the route
 * takes. A typo ({@code ?agnet=web-01}) or a repeated filter is thus an error, never a silently
 * wider answer.
 */
public final class QueryParams {
  private final ApiErrors errors;

  public QueryParams(ApiErrors errors) {
    this.errors = errors;
  }

  /**
   * Completes {@code inner} with the request's parameters (name → value) when every name is one of
   * {@code allowed} and none is repeated; else 400.
   *
   * @param what the route as the message names it, e.g. {@code "GET /api/v1/events"}
   */
  public Route only(String what, List<String> allowed, Function<Map<String, String>, Route> inner) {
    return parameterList(
        list -> {
          String problem = problem(what, allowed, list);
          if (problem != null) {
            return errors.error(StatusCodes.BAD_REQUEST, problem);
          }
          Map<String, String> params = new LinkedHashMap<>();
          list.forEach(p -> params.put(p.getKey(), p.getValue()));
          return inner.apply(params);
        });
  }

  /** Completes {@code inner} when the request has no query parameters at all; else 400. */
  public Route none(String what, java.util.function.Supplier<Route> inner) {
    return only(what, List.of(), params -> inner.get());
  }

  /** Why these parameters are refused, or null when they are fine. */
  static String problem(String what, List<String> allowed, List<Map.Entry<String, String>> given) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Map.Entry<String, String> p : given) {
      if (!allowed.contains(p.getKey())) {
        return "unknown query parameter '"
            + p.getKey()
            + "': "
            + what
            + (allowed.isEmpty() ? " takes none" : " takes " + String.join(", ", allowed));
      }
      if (!seen.add(p.getKey())) {
        return "query parameter '" + p.getKey() + "' is given more than once; give it once";
      }
    }
    return null;
  }
}

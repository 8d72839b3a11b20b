package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.AgentFilter;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /agents[?filter=WORDS]} (every known agent, or those matching the fleet filter, {@link
 * AgentFilter}) and {@code GET /agents/{name}} (one agent with its tasks). The list always says how
 * many agents the server knows in all in the {@value #KNOWN_HEADER} header, so a filtered answer
 * can say "3 of 250".
 */
public final class AgentRoutes {
  /** Response header of {@code GET /agents}: the number of known agents before filtering. */
  public static final String KNOWN_HEADER = "Fluke-Agents-Known";

  /**
   * Response header of {@code GET /agents} in cluster mode when some server nodes did not answer in
   * time: their addresses, comma-separated (their agents are listed with cycle {@code unknown}).
   */
  public static final String MISSING_NODES_HEADER = "Fluke-Missing-Nodes";

  private final FleetApi api;
  private final Marshaller<Object, RequestEntity> json;
  private final QueryParams params;
  private final Answers answers;

  public AgentRoutes(FleetApi api, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.json = json;
    this.params = new QueryParams(errors);
    this.answers = new Answers(json, errors);
  }

  public Route routes() {
    return pathPrefix(
        "agents",
        () ->
            concat(
                pathEnd(() -> get(this::list)),
                path(PathMatchers.segment(), name -> get(() -> detail(name)))));
  }

  private Route list() {
    return params.only(
        "GET /api/v1/agents",
        List.of("filter"),
        p -> {
          AgentFilter filter = AgentFilter.of(List.of(p.getOrDefault("filter", "")));
          return onSuccess(
              api::agentsFromEveryNode,
              answer -> {
                List<Dto.AgentSummary> all = answer.value();
                List<HttpHeader> headers = new ArrayList<>();
                headers.add(RawHeader.create(KNOWN_HEADER, Integer.toString(all.size())));
                if (!answer.complete()) {
                  headers.add(
                      RawHeader.create(
                          MISSING_NODES_HEADER, String.join(",", answer.missingNodes())));
                }
                return respondWithHeaders(headers, () -> completeOK(matching(all, filter), json));
              });
        });
  }

  /**
   * {@code inner} with the {@link #MISSING_NODES_HEADER} when {@code answer} is partial (cluster
   * mode: some server nodes did not answer in time).
   */
  static Route withMissingNodes(Dto.Partial<?> answer, java.util.function.Supplier<Route> inner) {
    return answer.complete()
        ? inner.get()
        : respondWithHeaders(
            List.<HttpHeader>of(
                RawHeader.create(MISSING_NODES_HEADER, String.join(",", answer.missingNodes()))),
            inner);
  }

  private static List<Dto.AgentSummary> matching(List<Dto.AgentSummary> all, AgentFilter filter) {
    return filter.isEmpty() ? all : all.stream().filter(filter).toList();
  }

  private Route detail(String name) {
    return answers.one(
        "GET /api/v1/agents/{name}", () -> api.agent(name), "agent '" + name + "' not found");
  }
}

package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.fluke.api.Dto;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The two answers most API resources give, in one place: a list or status that takes no query
 * parameters ({@link #all}), and one item by name, 404 with a message when there is none ({@link
 * #one}, {@link #found}). Every answer is JSON through the API's marshaller.
 */
final class Answers {
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  Answers(Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  /** {@code request} (e.g. {@code GET /api/v1/tasks}) takes no query parameters; 200 with it. */
  <T> Route all(String request, Supplier<CompletionStage<T>> answer) {
    return params.none(request, () -> onSuccess(answer, value -> completeOK(value, json)));
  }

  /**
   * {@code request} takes no query parameters; 200 with the item, or 404 saying {@code missing}.
   */
  <T> Route one(String request, Supplier<CompletionStage<Optional<T>>> answer, String missing) {
    return params.none(request, () -> found(answer, missing));
  }

  /**
   * As {@link #all}, for an answer gathered from every node: the nodes that did not answer in time
   * are named in the {@code Fluke-Missing-Nodes} header.
   */
  <T> Route allFromEveryNode(String request, Supplier<CompletionStage<Dto.Partial<T>>> answer) {
    return params.none(
        request,
        () ->
            onSuccess(
                answer,
                partial ->
                    AgentRoutes.withMissingNodes(
                        partial, () -> completeOK(partial.value(), json))));
  }

  /** As {@link #one}, for an answer gathered from every node (see {@link #allFromEveryNode}). */
  <T> Route oneFromEveryNode(
      String request, Supplier<CompletionStage<Dto.Partial<Optional<T>>>> answer, String missing) {
    return params.none(
        request,
        () ->
            onSuccess(
                answer,
                partial ->
                    AgentRoutes.withMissingNodes(
                        partial,
                        () ->
                            partial
                                .value()
                                .<Route>map(value -> completeOK(value, json))
                                .orElseGet(() -> errors.error(StatusCodes.NOT_FOUND, missing)))));
  }

  /** 200 with the item, or 404 saying {@code missing}. */
  <T> Route found(Supplier<CompletionStage<Optional<T>>> answer, String missing) {
    return onSuccess(
        answer,
        item ->
            item.<Route>map(value -> completeOK(value, json))
                .orElseGet(() -> errors.error(StatusCodes.NOT_FOUND, missing)));
  }
}

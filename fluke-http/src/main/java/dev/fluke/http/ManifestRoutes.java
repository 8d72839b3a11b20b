package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code GET /manifest}: the commit in force, the newest commit and, when that one was rejected,
 * every error in it with {@code file:line:column}.
 *
 * <p>{@code POST /manifest/accept} with {@code {"commit":"<id>"}}: accepts the refused rewrite
 * (force push) of the manifest branch to that commit (full id or a prefix of at least 7 hex
 * digits), under {@code on_force_push = "refuse"}. 202 with the {@link Dto.RewriteAccepted} when
 * accepted (the server fetches and follows it at once); 409 with the reason when no such rewrite is
 * waiting; 400 for a body that is not exactly one such JSON object. The body is read as text
 * whatever its content type, as for {@code POST /reconcile}.
 */
public final class ManifestRoutes {
  private final FleetApi api;
  private final ObjectMapper mapper;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  public ManifestRoutes(
      FleetApi api, ObjectMapper mapper, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.mapper = mapper;
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return pathPrefix(
        "manifest",
        () ->
            concat(
                pathEnd(
                    () ->
                        get(
                            () ->
                                new Answers(json, errors)
                                    .all("GET /api/v1/manifest", api::manifest))),
                path(
                    "accept",
                    () ->
                        post(
                            () ->
                                params.none(
                                    "POST /api/v1/manifest/accept",
                                    () ->
                                        entity(Unmarshaller.entityToString(), this::onAccept))))));
  }

  private Route onAccept(String body) {
    String commit;
    try {
      commit = parseCommit(mapper, body);
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return onSuccess(
        () -> api.acceptRewrite(commit),
        answer ->
            answer.accepted()
                ? complete(StatusCodes.ACCEPTED, answer, json)
                : errors.error(StatusCodes.CONFLICT, answer.message()));
  }

  /**
   * Reads {@code {"commit":"<id>"}}.
   *
   * @throws IllegalArgumentException with a message for the caller for anything else
   */
  static String parseCommit(ObjectMapper mapper, String body) {
    JsonNode node;
    try {
      node =
          body == null || body.isBlank()
              ? null
              : mapper
                  .readerFor(JsonNode.class)
                  .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                  .readValue(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the request body is not one JSON value (" + e.getOriginalMessage() + "); " + FORM);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the request body must be a JSON object; " + FORM);
    }
    JsonNode commit = node.get("commit");
    if (commit == null || !commit.isTextual()) {
      throw new IllegalArgumentException("\"commit\" is missing; " + FORM);
    }
    if (node.size() != 1) {
      throw new IllegalArgumentException("only \"commit\" is allowed; " + FORM);
    }
    String id = commit.asText().strip();
    if (!id.matches("[0-9a-fA-F]{7,40}")) {
      throw new IllegalArgumentException(
          "\"commit\" must be a commit id (7 to 40 hex digits), got \"" + id + "\"");
    }
    return id.toLowerCase(java.util.Locale.ROOT);
  }

  private static final String FORM =
      "send {\"commit\":\"ID\"} with the refused commit shown by GET /api/v1/manifest";
}

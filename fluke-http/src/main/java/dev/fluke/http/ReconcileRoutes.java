package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.TargetKind;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /reconcile} with {@code {"target":"all"}}, {@code {"target":"agent","name":"web-01"}}
 * or {@code {"target":"task","name":"deploy_app"}}: starts a manual cycle (which always applies)
 * and answers 202 with the {@link Dto.ReconcileAccepted}; 404 when the agent or task is unknown,
 * 400 for a bad body: anything but exactly one JSON object of these forms (trailing data, a key
 * given twice, an unknown property) is refused, as is any query parameter.
 *
 * <p>The body is read as text whatever its content type, so {@code curl -d '{"target":"all"}'}
 * (which says {@code application/x-www-form-urlencoded}) works as well as a proper JSON client.
 */
public final class ReconcileRoutes {
  private final FleetApi api;
  private final ObjectMapper mapper;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final QueryParams params;

  public ReconcileRoutes(
      FleetApi api, ObjectMapper mapper, Marshaller<Object, RequestEntity> json, ApiErrors errors) {
    this.api = api;
    this.mapper = mapper;
    this.json = json;
    this.errors = errors;
    this.params = new QueryParams(errors);
  }

  public Route routes() {
    return path(
        "reconcile",
        () ->
            post(
                () ->
                    params.none(
                        "POST /api/v1/reconcile",
                        () -> entity(Unmarshaller.entityToString(), this::onBody))));
  }

  private Route onBody(String body) {
    Dto.ReconcileTarget target;
    boolean force;
    try {
      target = parse(mapper, body);
      force = force(mapper, body);
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return onSuccess(
        () -> api.reconcile(target, force),
        accepted ->
            accepted.accepted()
                ? complete(StatusCodes.ACCEPTED, accepted, json)
                : errors.error(StatusCodes.NOT_FOUND, accepted.message()));
  }

  /**
   * Reads a reconcile request body.
   *
   * @throws IllegalArgumentException with a message for the caller when the body is not one of the
   *     three forms
   */
  static Dto.ReconcileTarget parse(ObjectMapper mapper, String body) {
    JsonNode node;
    try {
      node = body == null || body.isBlank() ? null : JsonBodies.strict(mapper).readValue(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the request body is not one valid JSON object ("
              + e.getOriginalMessage()
              + "); "
              + FORMS);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the request body must be a JSON object; " + FORMS);
    }
    for (java.util.Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!field.equals("target") && !field.equals("name") && !field.equals("force")) {
        throw new IllegalArgumentException(
            "unknown property \""
                + field
                + "\" (a reconcile takes target, name and force); "
                + FORMS);
      }
    }
    JsonNode targetNode = node.get("target");
    if (targetNode == null || !targetNode.isTextual()) {
      throw new IllegalArgumentException("\"target\" is missing; " + FORMS);
    }
    JsonNode nameNode = node.get("name");
    if (nameNode != null && !nameNode.isNull() && !nameNode.isTextual()) {
      throw new IllegalArgumentException("\"name\" must be a string; " + FORMS);
    }
    String name = nameNode == null || nameNode.isNull() ? null : nameNode.asText().trim();
    String word = targetNode.asText();
    TargetKind kind =
        TargetKind.parse(word)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown target \""
                            + word
                            + "\": it must be all, agent or task; "
                            + FORMS));
    if (kind == TargetKind.ALL) {
      // A name here is most likely a mistake (meant "agent"); refusing beats reconciling the fleet.
      if (name != null && !name.isEmpty()) {
        throw new IllegalArgumentException(
            "target \"all\" takes no \"name\" (did you mean target \"agent\" or \"task\"?)");
      }
      return Dto.ReconcileTarget.ALL;
    }
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("target \"" + word + "\" needs a \"name\"; " + FORMS);
    }
    return new Dto.ReconcileTarget(kind, name);
  }

  /**
   * The body's {@code "force"} (default false): apply even what a suspension or a closed
   * maintenance window holds back. Call after {@link #parse} accepted the body.
   */
  static boolean force(ObjectMapper mapper, String body) {
    JsonNode node;
    try {
      node = JsonBodies.strict(mapper).readValue(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the request body is not one valid JSON object");
    }
    JsonNode force = node.get("force");
    if (force == null || force.isNull()) {
      return false;
    }
    if (!force.isBoolean()) {
      throw new IllegalArgumentException("\"force\" must be true or false");
    }
    return force.booleanValue();
  }

  private static final String FORMS =
      "send {\"target\":\"all\"}, {\"target\":\"agent\",\"name\":\"NAME\"} or"
          + " {\"target\":\"task\",\"name\":\"NAME\"}";
}

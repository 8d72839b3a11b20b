package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.FleetApi;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Suspensions (issue 10): {@code GET /suspensions} lists those in force; {@code POST /suspensions}
 * with {@code {"target":"task"|"agent"|"all", "name":…, "reason":…, "for":"2h"}} suspends a scope
 * (201 with the {@link Suspension.Change}); {@code DELETE /suspensions/all}, {@code
 * /suspensions/agent/NAME} or {@code /suspensions/task/NAME} resumes it (200; 404 when it was not
 * suspended). Who did it is the caller's identity ({@link ApiAuth#identity}), with the optional
 * {@code "by"} of the body in front ({@code "alice (token:3fa1c2d4)"}).
 */
public final class SuspensionRoutes {
  private static final Set<String> FIELDS = Set.of("target", "name", "reason", "for", "by");
  private static final String FORM =
      "send {\"target\":\"task\"|\"agent\"|\"all\", \"name\":\"NAME\", \"reason\":\"why\","
          + " \"for\":\"2h\"} (name only for task and agent; for is optional)";

  private final FleetApi api;
  private final ObjectMapper mapper;
  private final Marshaller<Object, RequestEntity> json;
  private final ApiErrors errors;
  private final ApiAuth auth;
  private final QueryParams params;

  public SuspensionRoutes(
      FleetApi api,
      ObjectMapper mapper,
      Marshaller<Object, RequestEntity> json,
      ApiErrors errors,
      ApiAuth auth) {
    this.api = api;
    this.mapper = mapper;
    this.json = json;
    this.errors = errors;
    this.auth = auth;
    this.params = new QueryParams(errors);
  }

  /** A parsed suspend request. */
  record Request(TargetKind scope, String name, String reason, Duration forHowLong, String by) {}

  public Route routes() {
    return pathPrefix(
        "suspensions",
        () ->
            concat(
                pathEnd(
                    () ->
                        concat(
                            get(
                                () ->
                                    new Answers(json, errors)
                                        .all("GET /api/v1/suspensions", api::suspensions)),
                            post(
                                () ->
                                    params.none(
                                        "POST /api/v1/suspensions",
                                        () ->
                                            auth.identity(
                                                who ->
                                                    entity(
                                                        Unmarshaller.entityToString(),
                                                        body -> suspend(body, who))))))),
                path(
                    "all",
                    () -> delete(() -> auth.identity(who -> resume(TargetKind.ALL, null, who)))),
                path(
                    PathMatchers.segment().slash(PathMatchers.segment()),
                    (kind, name) -> delete(() -> auth.identity(who -> resume(kind, name, who))))));
  }

  private Route suspend(String body, String who) {
    Request r;
    try {
      r = parse(mapper, body);
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    String by = r.by() == null ? who : r.by() + " (" + who + ")";
    return onSuccess(
        () -> api.suspend(r.scope(), r.name(), by, r.reason(), r.forHowLong()),
        change -> complete(StatusCodes.CREATED, change, json));
  }

  private Route resume(String kindWord, String name, String who) {
    TargetKind kind = TargetKind.parse(kindWord).orElse(null);
    if (kind == null || kind == TargetKind.ALL) {
      return errors.error(
          StatusCodes.NOT_FOUND,
          "no such suspension scope \""
              + kindWord
              + "\": DELETE /api/v1/suspensions/all, /agent/NAME or /task/NAME");
    }
    return resume(kind, name, who);
  }

  private Route resume(TargetKind kind, String name, String who) {
    return onSuccess(
        () -> api.resume(kind, name, who),
        change ->
            change.done()
                ? completeOK(change, json)
                : errors.error(StatusCodes.NOT_FOUND, change.message()));
  }

  /**
   * Reads a suspend request body.
   *
   * @throws IllegalArgumentException with a message for the caller
   */
  static Request parse(ObjectMapper mapper, String body) {
    JsonNode node = JsonBodies.object(mapper, body, FORM);
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException("unknown property \"" + field + "\"; " + FORM);
      }
      if (!node.get(field).isTextual() && !node.get(field).isNull()) {
        throw new IllegalArgumentException("\"" + field + "\" must be a string; " + FORM);
      }
    }
    String word = text(node, "target");
    if (word == null) {
      throw new IllegalArgumentException("\"target\" is missing; " + FORM);
    }
    TargetKind kind =
        TargetKind.parse(word)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown target \"" + word + "\": it must be all, agent or task; " + FORM));
    String name = text(node, "name");
    if (kind == TargetKind.ALL && name != null) {
      throw new IllegalArgumentException(
          "target \"all\" takes no \"name\" (did you mean target \"agent\" or \"task\"?)");
    }
    if (kind != TargetKind.ALL && name == null) {
      throw new IllegalArgumentException("target \"" + word + "\" needs a \"name\"; " + FORM);
    }
    String reason = text(node, "reason");
    if (reason == null) {
      throw new IllegalArgumentException(
          "\"reason\" is required: say why nothing may be applied (it is shown everywhere)");
    }
    String forText = text(node, "for");
    Duration forHowLong = null;
    if (forText != null) {
      try {
        forHowLong = Durations.parse(forText);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad \"for\": " + e.getMessage());
      }
      if (forHowLong.isZero() || forHowLong.isNegative()) {
        throw new IllegalArgumentException("\"for\" must be longer than zero, got " + forText);
      }
    }
    return new Request(kind, name, reason, forHowLong, text(node, "by"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    String s = v.asText().trim();
    return s.isEmpty() ? null : s;
  }
}

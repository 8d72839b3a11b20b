package dev.fluke.http.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * What a (verified) webhook call is about, read from the forge's event header and the payload's
 * {@code ref}: a push to some ref, a ping (GitHub's "hook created" call), or another event that
 * Fluke does not act on.
 *
 * @param kind {@code push}, {@code ping} or {@code other}
 * @param event the forge's event name as sent (e.g. {@code push}, {@code Push Hook}, {@code
 *     issues}), or empty when no event header was sent
 * @param ref the pushed ref ({@code refs/heads/main}, {@code refs/tags/v1}), empty unless a push
 */
public record PushEvent(String kind, String event, String ref) {
  /**
   * Reads a call that {@link WebhookVerifier} has accepted.
   *
   * @param lowerCaseHeaders header names in lower case
   * @param contentType the request's media type, e.g. {@code application/json}
   * @throws IllegalArgumentException when a push's body has no readable {@code ref}
   */
  public static PushEvent read(
      ObjectMapper mapper, Map<String, String> lowerCaseHeaders, String contentType, byte[] body) {
    String event =
        firstHeader(
            lowerCaseHeaders,
            "x-github-event",
            "x-gitea-event",
            "x-forgejo-event",
            "x-gogs-event",
            "x-gitlab-event");
    String normalized = event.toLowerCase(Locale.ROOT);
    if (normalized.equals("ping")) {
      return new PushEvent("ping", event, "");
    }
    // GitHub and Gitea say "push"; GitLab "Push Hook" ("Tag Push Hook" is a tag: not the branch we
    // follow,
    // but still a push, so it is answered as "another ref" rather than "not a push").
    boolean push =
        normalized.isEmpty()
            || normalized.equals("push")
            || normalized.equals("push hook")
            || normalized.equals("tag push hook");
    if (!push) {
      return new PushEvent("other", event, "");
    }
    JsonNode payload = payload(mapper, contentType, body);
    JsonNode ref = payload.get("ref");
    if (ref == null || !ref.isTextual() || ref.asText().isBlank()) {
      throw new IllegalArgumentException("the push payload has no \"ref\"; is this a push event?");
    }
    return new PushEvent("push", event, ref.asText());
  }

  private static JsonNode payload(ObjectMapper mapper, String contentType, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    // GitHub can be set to send "application/x-www-form-urlencoded": the JSON is the "payload"
    // field.
    if (contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      for (String pair : text.split("&")) {
        if (pair.startsWith("payload=")) {
          text = URLDecoder.decode(pair.substring("payload=".length()), StandardCharsets.UTF_8);
          break;
        }
      }
    }
    try {
      JsonNode node = mapper.readTree(text);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("the push payload is not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the push payload is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static String firstHeader(Map<String, String> headers, String... names) {
    for (String name : names) {
      String value = headers.get(name);
      if (value != null && !value.isBlank()) {
        return value.trim();
      }
    }
    return "";
  }
}

package dev.fluke.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/** How the API reads a request body: strictly, with an error the caller can act on. */
final class JsonBodies {
  private JsonBodies() {}

  /**
   * One JSON value and nothing after it ({@code {"target":"all"} xyz} must not reconcile the
   * fleet), no key twice (which one would win is anybody's guess).
   */
  static ObjectReader strict(ObjectMapper mapper) {
    return mapper
        .readerFor(JsonNode.class)
        .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .withFeatures(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  }

  /**
   * The body as one JSON object, read {@link #strict}ly.
   *
   * @param form what the caller should send, appended to every error
   * @throws IllegalArgumentException when the body is empty, not valid JSON or not an object
   */
  static JsonNode object(ObjectMapper mapper, String body, String form) {
    JsonNode node;
    try {
      node = body == null || body.isBlank() ? null : strict(mapper).readValue(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the request body is not one valid JSON object ("
              + e.getOriginalMessage()
              + "); "
              + form);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the request body must be a JSON object; " + form);
    }
    return node;
  }
}

package dev.fluke.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON value as plain Java, read with Jackson's streaming parser only (jackson-core): objects as
 * {@link LinkedHashMap} (in order; a repeated name keeps its last value), arrays as {@link
 * ArrayList}, integers as {@link Long} (beyond its range: refused), other numbers as {@link
 * Double}, strings, booleans and null, the way Jackson's data binding reads {@code Object.class}
 * with {@code USE_LONG_FOR_INTS}. For the agent's paths, which so load none of the data binding's
 * ~700 classes (docs/performance.md).
 */
public final class PlainJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private PlainJson() {}

  /** The parser this class reads with (thread-safe; each parser is not). */
  public static JsonFactory factory() {
    return FACTORY;
  }

  /**
   * The first JSON value of {@code json} (what follows it is not read).
   *
   * @throws JsonParseException when it is not JSON, or empty
   */
  public static Object read(String json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      return value(p, p.nextToken());
    }
  }

  /**
   * The value that starts with {@code first}, the parser's current token; the parser is left on its
   * last token.
   *
   * @throws JsonParseException when the input ends first, or is not JSON
   */
  public static Object value(JsonParser p, JsonToken first) throws IOException {
    if (first == null) {
      throw new JsonParseException(p, "no JSON value: the input ends");
    }
    switch (first) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String name = p.currentName();
          m.put(name, value(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          l.add(value(p, t));
        }
        return l;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw new JsonParseException(p, "integer out of the range of a long: " + p.getText());
        }
        return p.getLongValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new JsonParseException(p, "unexpected " + first);
    }
  }
}

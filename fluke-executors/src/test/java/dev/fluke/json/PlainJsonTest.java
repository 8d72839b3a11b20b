package dev.fluke.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlainJsonTest {
  /** What the attributes of a check request were read with before (Jackson's data binding). */
  private static final ObjectMapper DATABIND =
      JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();

  @Test
  void readsEveryValueAsTheDataBindingReadsAnObject() throws Exception {
    for (String json :
        List.of(
            "{\"check\":\"test -f /etc/motd\",\"timeout\":30,\"env\":{\"A\":\"1\",\"B\":null}}",
            "{\"ratio\":1.5,\"exp\":2e3,\"neg\":-7,\"max\":9223372036854775807}",
            "{\"list\":[1,\"two\",[true,false],{\"x\":[]},null],\"empty\":{}}",
            "{\"same\":1,\"same\":2}",
            "{\"unicode\":\"é ☃ \\u00e9 \\n\\t\\\"\"}",
            "[1,2,3]",
            "\"text\"",
            "42",
            "null",
            "  {\"a\":1}  ")) {
      Object expected = DATABIND.readValue(json, Object.class);
      Object actual = PlainJson.read(json);
      assertEquals(expected, actual, json);
      if (expected != null) {
        assertEquals(expected.getClass(), actual.getClass(), json);
      }
    }
  }

  @Test
  void integersAreLongsOtherNumbersDoublesAndAnIntegerBeyondALongIsRefusedAsBefore()
      throws Exception {
    Map<?, ?> m = (Map<?, ?>) PlainJson.read("{\"i\":1,\"l\":9999999999,\"d\":0.5}");
    assertInstanceOf(Long.class, m.get("i"));
    assertInstanceOf(Long.class, m.get("l"));
    assertInstanceOf(Double.class, m.get("d"));
    assertEquals(List.of("i", "l", "d"), List.copyOf(m.keySet()));
    String big = "{\"big\":99999999999999999999}";
    assertThrows(IOException.class, () -> DATABIND.readValue(big, Object.class));
    assertThrows(JsonParseException.class, () -> PlainJson.read(big));
  }

  @Test
  void whatIsNotJsonIsRefusedAsAParseError() {
    for (String bad : List.of("", "   ", "{", "{\"a\":}", "[1,", "{a:1}", "tru")) {
      assertThrows(JsonParseException.class, () -> PlainJson.read(bad), bad);
    }
  }
}

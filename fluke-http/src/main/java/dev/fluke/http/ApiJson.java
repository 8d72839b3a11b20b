package dev.fluke.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON dialect of the Fluke API, used by the server routes and by the CLI's client so both
 * sides read and write exactly the same shape: snake_case property names, {@code java.time} values
 * as ISO-8601 strings ({@code "2025-03-01T12:00:00Z"}), {@code Optional} as value-or-null, nulls
 * written out so every object always has the same keys. Map keys (labels, selectors) are left as
 * they are.
 */
public final class ApiJson {
  private ApiJson() {}

  /**
   * A new mapper with the API settings. Build one per server or client and share it: it is
   * thread-safe.
   */
  public static ObjectMapper create() {
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .addModule(new JavaTimeModule())
        .addModule(new Jdk8Module())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
        // A newer server may add fields; an older CLI must still read the rest.
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        .build();
  }
}

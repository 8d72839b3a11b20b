package dev.fluke.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.Optional;

/**
 * How one {@link Event} is written into and read back from a Redis sorted set (see {@code
 * docs/event-store.md}). Pure functions, no I/O.
 *
 * <p>A sorted-set member is {@code <20-digit sequence>:<event JSON>}. The sequence comes from a
 * Redis counter, so two identical events (same time, same fields) are still two members instead of
 * one overwriting the other, and, since Redis orders members of equal score by their bytes, events
 * with the same timestamp keep the order in which they were appended. The score is the event time
 * in microseconds since the epoch: exact in a double (below 2^53) for the next few centuries.
 */
final class RedisEventCodec {
  /** Width of the zero-padded sequence; the Lua script formats it with {@code %020d}. */
  static final int SEQUENCE_WIDTH = 20;

  private final ObjectMapper mapper =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          // ISO-8601 strings ("2025-03-01T12:59:40.123456Z"), like the HTTP API, readable in
          // redis-cli
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          // a newer Fluke may add fields; an older one reading the same Redis must not fail on them
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  String toJson(Event event) {
    try {
      return mapper.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      // Event holds only strings, numbers and an Instant: this cannot happen short of a broken
      // mapper
      throw new IllegalStateException("cannot serialise event to JSON", e);
    }
  }

  /** The event in a sorted-set member, empty when the member is not one this codec wrote. */
  Optional<Event> fromMember(String member) {
    if (member == null
        || member.length() <= SEQUENCE_WIDTH + 1
        || member.charAt(SEQUENCE_WIDTH) != ':') {
      return Optional.empty();
    }
    try {
      Event event = mapper.readValue(member.substring(SEQUENCE_WIDTH + 1), Event.class);
      return event.time() == null ? Optional.empty() : Optional.of(event);
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  /** The member the Lua script builds for this sequence number and JSON (used by tests). */
  static String member(long sequence, String json) {
    return String.format("%0" + SEQUENCE_WIDTH + "d:%s", sequence, json);
  }

  /** Sorted-set score of an event: its time in microseconds since the epoch. */
  static long score(Instant time) {
    return Math.addExact(
        Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000L);
  }
}

package dev.fluke.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedisEventCodecTest {
  private final RedisEventCodec codec = new RedisEventCodec();

  @Test
  void memberRoundTripsEveryFieldWithIsoTime() {
    Event event =
        new Event(
            Instant.parse("2025-03-01T12:59:40.123456789Z"),
            "check",
            "web-01",
            "deploy_app",
            "shell \"main\"",
            "drifted",
            1,
            120,
            "out\n",
            "check exited 1");
    String json = codec.toJson(event);

    assertTrue(json.contains("\"time\":\"2025-03-01T12:59:40.123456789Z\""), json);
    assertTrue(json.contains("\"exit_code\":1"), json);
    assertEquals(Optional.of(event), codec.fromMember(RedisEventCodec.member(42, json)));
  }

  @Test
  void sequencePrefixOrdersMembersOfEqualScoreByAppendOrder() {
    String json = codec.toJson(Event.simple("agent", "web-01", "connected", ""));
    String earlier = RedisEventCodec.member(9, json);
    String later = RedisEventCodec.member(10, json);

    assertEquals("00000000000000000009:", earlier.substring(0, 21));
    assertTrue(later.compareTo(earlier) > 0);
  }

  @Test
  void foreignOrBrokenMembersAreNotEvents() {
    assertEquals(Optional.empty(), codec.fromMember("hello"));
    assertEquals(Optional.empty(), codec.fromMember(RedisEventCodec.member(1, "{not json")));
    assertEquals(
        Optional.empty(), codec.fromMember(RedisEventCodec.member(1, "{\"kind\":\"check\"}")));
  }

  @Test
  void unknownFieldsFromANewerVersionAreIgnored() {
    String json =
        "{\"time\":\"2025-03-01T12:59:40Z\",\"kind\":\"check\",\"outcome\":\"satisfied\",\"phase\":\"x\"}";

    Event event = codec.fromMember(RedisEventCodec.member(1, json)).orElseThrow();
    assertEquals("satisfied", event.outcome());
    assertEquals("", event.agent());
  }

  @Test
  void scoreIsEpochMicros() {
    assertEquals(
        1_740_833_980_123_456L,
        RedisEventCodec.score(Instant.parse("2025-03-01T12:59:40.123456789Z")));
    assertEquals(-1L, RedisEventCodec.score(Instant.parse("1969-12-31T23:59:59.999999Z")));
  }
}

package dev.fluke.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentFilterTest {
  private static final Dto.AgentSummary WEB =
      new Dto.AgentSummary(
          "Web-01.fra1",
          Map.of("role", "web", "dc", "fra1"),
          "0.1.0",
          true,
          Instant.EPOCH,
          Instant.EPOCH,
          CyclePhase.IDLE,
          null,
          new Dto.StatusCounts(3, 1, 0, 0, 0, 0),
          0);

  private static boolean matches(String... words) {
    return AgentFilter.of(List.of(words)).test(WEB);
  }

  @Test
  void everyWordMustMatchCaseInsensitively() {
    assertTrue(matches());
    assertTrue(matches("web-01"));
    assertTrue(matches("FRA1", "drifted"));
    assertTrue(
        matches("role=web dc=fr"),
        "several words in one argument; a label value matches by prefix");
    assertTrue(matches("connected"));
    assertFalse(matches("disconnected"));
    assertFalse(matches("failed"), "no failed task");
    assertFalse(matches("role=db"));
    assertFalse(matches("env=prod"), "no such label");
    assertFalse(matches("web", "db"));
  }
}

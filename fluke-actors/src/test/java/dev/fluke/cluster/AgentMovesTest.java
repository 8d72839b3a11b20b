package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentMovesTest {
  private static final String SELF = "pekko://fluke-server@127.0.0.1:1";
  private static final String OTHER = "pekko://fluke-server@127.0.0.1:2";
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

  @Test
  void aRoundIsInFlightUntilEveryAskedSessionHasEndedHere() {
    AgentMoves moves = new AgentMoves(Duration.ofMinutes(1));
    Map<String, AgentLocation> entries = new HashMap<>();
    moves.asked(Map.of("a", 7L, "b", 8L), T0);
    assertEquals(-1, moves.inTransit(entries, SELF, T0), "the replica has not heard of them yet");
    entries.put("a", new AgentLocation(SELF, 7, true));
    entries.put("b", new AgentLocation(SELF, 6, false)); // b's previous session
    assertEquals(-1, moves.inTransit(entries, SELF, T0), "a live here, b's entry not yet seen");
    entries.put("b", new AgentLocation(SELF, 8, true));
    entries.put("a", entries.get("a").released());
    assertEquals(-1, moves.inTransit(entries, SELF, T0), "b is still live here");

    entries.put("b", entries.get("b").released());
    assertEquals(2, moves.inTransit(entries, SELF, T0), "both on their way");

    entries.put("a", new AgentLocation(OTHER, 9, true)); // admitted on another node
    assertEquals(1, moves.inTransit(entries, SELF, T0));

    entries.put("b", new AgentLocation(SELF, 10, true)); // came back here: a new session
    assertEquals(0, moves.inTransit(entries, SELF, T0));
  }

  @Test
  void anAgentThatDoesNotComeBackIsForgottenAfterThePatience() {
    AgentMoves moves = new AgentMoves(Duration.ofMinutes(1));
    Map<String, AgentLocation> entries = new HashMap<>();
    entries.put("a", new AgentLocation(SELF, 7, false));
    moves.asked(Map.of("a", 7L), T0);
    assertEquals(1, moves.inTransit(entries, SELF, T0.plusSeconds(60)));
    assertEquals(0, moves.inTransit(entries, SELF, T0.plusSeconds(61)));
  }
}

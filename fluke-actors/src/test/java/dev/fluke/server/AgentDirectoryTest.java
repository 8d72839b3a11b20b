package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The registry's data: connected agents, recently disconnected ones, the fleet's totals. */
class AgentDirectoryTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static Dto.AgentSummary summary(String name, Instant seen, Dto.StatusCounts counts) {
    return new Dto.AgentSummary(
        name, Map.of(), "1", true, T, seen, CyclePhase.IDLE, null, counts, 0);
  }

  private static AgentDirectory.Live live(String name) {
    TestProbe<AgentSession.Command> session = KIT.createTestProbe();
    TestProbe<Outbound> out = KIT.createTestProbe();
    return new AgentDirectory.Live(
        session.ref(), summary(name, T, Dto.StatusCounts.EMPTY), "peer", out.ref());
  }

  @Test
  void totalsAreRunningSumsOfTheConnectedAgentsCounts() {
    AgentDirectory d = new AgentDirectory(Duration.ofHours(1), 10);
    AgentDirectory.Live a = live("a");
    AgentDirectory.Live b = live("b");
    d.connected(a);
    d.connected(b);
    assertTrue(d.update(summary("a", T, new Dto.StatusCounts(2, 1, 0, 0, 0, 0))));
    assertTrue(d.update(summary("b", T, new Dto.StatusCounts(1, 0, 1, 0, 0, 0))));
    assertEquals(new Dto.StatusCounts(3, 1, 1, 0, 0, 0), d.totals());
    assertFalse(
        d.update(summary("b", T.plusSeconds(10), new Dto.StatusCounts(1, 0, 1, 0, 0, 0))),
        "only lastSeen changed: no news for viewers");
    d.ended("a", T);
    assertEquals(new Dto.StatusCounts(1, 0, 1, 0, 0, 0), d.totals(), "a left the totals");
    assertFalse(d.isCurrent("a", a.session()));
    assertTrue(d.recentlyDisconnected("a"));
    assertFalse(d.disconnectedSummary("a", T).connected());
  }

  @Test
  void disconnectedAgentsAreForgottenPastTheRetentionOrBeyondTheLimitOldestFirst() {
    AgentDirectory d = new AgentDirectory(Duration.ofMinutes(5), 2);
    for (String n : List.of("a", "b", "c")) {
      d.connected(live(n));
      d.ended(n, T);
    }
    assertEquals(List.of("b", "c"), d.all(T).stream().map(Dto.AgentSummary::name).toList());
    assertEquals(2, d.all(T.plus(Duration.ofMinutes(4))).size());
    assertEquals(List.of(), d.all(T.plus(Duration.ofMinutes(6))));
    assertNull(d.disconnectedSummary("b", T.plus(Duration.ofMinutes(6))));
  }

  @Test
  void onlyTheCurrentSessionOfANameCounts() {
    AgentDirectory d = new AgentDirectory(Duration.ofHours(1), 10);
    AgentDirectory.Live first = live("a");
    d.connected(first);
    d.ended("a", T);
    AgentDirectory.Live second = live("a");
    d.connected(second);
    assertFalse(d.isCurrent("a", first.session()));
    assertTrue(d.isCurrent("a", second.session()));
    assertFalse(d.recentlyDisconnected("a"), "connected again");
  }

  @Test
  void aJustRegisteredAgentIsConnectedIdleWithNothingCountedAndItsSessionIsReachable() {
    AgentDirectory d = new AgentDirectory(Duration.ofHours(1), 10);
    TestProbe<AgentSession.Command> session = KIT.createTestProbe();
    d.connected(
        AgentDirectory.Live.registered(
            session.ref(),
            new dev.fluke.protocol.AgentMessage.Register(
                "web-01", Map.of("role", "web"), "2.0", List.of("shell")),
            "10.0.0.7:5000",
            KIT.<Outbound>createTestProbe().ref(),
            T));
    Dto.AgentSummary s = d.live("web-01").summary();
    assertTrue(s.connected());
    assertEquals(CyclePhase.IDLE, s.cycle());
    assertEquals(T, s.connectedAt());
    assertEquals(Dto.StatusCounts.EMPTY, s.counts());
    assertEquals("2.0", s.version());
    assertEquals(Map.of("web-01", session.ref()), d.sessions());
  }
}

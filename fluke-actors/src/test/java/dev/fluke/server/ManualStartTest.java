package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Which agents a manual reconcile of all or one agent starts on, and what the caller is told. */
class ManualStartTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static AgentDirectory fleet(String... names) {
    AgentDirectory d = new AgentDirectory(Duration.ofHours(1), 10);
    for (String n : names) {
      d.connected(
          new AgentDirectory.Live(
              KIT.<AgentSession.Command>createTestProbe().ref(),
              new Dto.AgentSummary(
                  n, Map.of(), "1", true, T, T, CyclePhase.IDLE, null, Dto.StatusCounts.EMPTY, 0),
              "peer",
              KIT.<Outbound>createTestProbe().ref()));
    }
    return d;
  }

  @Test
  void reconcilingAllStartsOnEveryConnectedAgentByName() {
    ManualStart s = ManualStart.of(fleet("web-02", "db-01"), Dto.ReconcileTarget.ALL, 42, T);
    assertEquals(List.of("db-01", "web-02"), s.agents());
    assertTrue(s.answer().accepted());
    assertEquals("manual reconcile started on 2 agent(s)", s.answer().message());
    assertEquals(42, s.answer().requestId());
    assertEquals(T, s.answer().requestedAt());
  }

  @Test
  void reconcilingAllWithNobodyConnectedIsAcceptedAndSaysSo() {
    ManualStart s = ManualStart.of(fleet(), Dto.ReconcileTarget.ALL, 1, T);
    assertTrue(s.agents().isEmpty());
    assertTrue(s.answer().accepted());
    assertEquals("no agent is connected", s.answer().message());
  }

  @Test
  void anAgentThatLeftOrNeverCameIsRefusedWithWhy() {
    AgentDirectory d = fleet("web-01", "db-01");
    d.ended("db-01", T);
    ManualStart left = ManualStart.of(d, Dto.ReconcileTarget.agent("db-01"), 1, T);
    assertFalse(left.answer().accepted());
    assertEquals("agent db-01 is not connected", left.answer().message());
    assertTrue(left.agents().isEmpty());
    ManualStart unknown = ManualStart.of(d, Dto.ReconcileTarget.agent("ghost"), 1, T);
    assertEquals("no agent named ghost is connected", unknown.answer().message());
    ManualStart one = ManualStart.of(d, Dto.ReconcileTarget.agent("web-01"), 1, T);
    assertEquals(List.of("web-01"), one.agents());
    assertEquals("manual reconcile of agent web-01 started", one.answer().message());
  }

  @Test
  void aTasksReconcileSaysOnHowManyAgentsItStartedOrThatNoneIsConnected() {
    ManualStart two = ManualStart.ofTask("app", List.of("a", "b"), 3, T);
    assertEquals("manual reconcile of task app started on 2 agent(s)", two.answer().message());
    assertEquals(Dto.ReconcileTarget.task("app"), two.answer().target());
    ManualStart none = ManualStart.ofTask("app", List.of(), 3, T);
    assertTrue(none.answer().accepted());
    assertEquals("no connected agent matches task app", none.answer().message());
  }
}

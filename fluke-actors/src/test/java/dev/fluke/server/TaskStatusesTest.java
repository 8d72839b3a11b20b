package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.manifest.DriftPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A task's status on every agent, as its reconciler keeps it. */
class TaskStatusesTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static ActorRef<CycleRunner.Command> runner() {
    return KIT.<CycleRunner.Command>createTestProbe().ref();
  }

  private static Dto.TaskStatus status(Status s) {
    return new Dto.TaskStatus("app", s, "remediate", false, T, null, s.name(), List.of());
  }

  @Test
  void countsAndDriftCoverConnectedAgentsWhileDisconnectedOnesStayListedForTheRetention() {
    TaskStatuses t = new TaskStatuses();
    ActorRef<CycleRunner.Command> web = runner();
    assertTrue(t.reported("web-01", status(Status.DRIFTED), T, web), "a new runner");
    assertFalse(t.reported("web-01", status(Status.DRIFTED), T, web), "the same runner again");
    t.reported("db-01", status(Status.SATISFIED), null, runner());
    t.reported("app-01", status(Status.PENDING), null, runner());

    Dto.TaskSummary s =
        t.summary(Tasks.spec("app", null, "shell:main"), DriftPolicy.REMEDIATE, null);
    assertEquals(3, s.matchedAgents());
    assertEquals("remediate", s.policy());
    assertEquals(List.of("web-01"), t.drift("app").stream().map(Dto.DriftEntry::agent).toList());

    assertTrue(t.disconnected("web-01", web, T));
    assertTrue(t.drift("app").isEmpty(), "a disconnected agent's drift is not counted");
    assertEquals(
        2, t.summary(Tasks.spec("app", null), DriftPolicy.REMEDIATE, null).matchedAgents());
    assertEquals(
        List.of("app-01", "db-01", "web-01"),
        t.statuses().stream().map(Dto.AgentTaskStatus::agent).toList(),
        "still listed, by name");
    assertEquals(List.of("app-01", "db-01"), List.copyOf(t.runnersByName().keySet()));
    // The rollout's view: looked up per agent, always current, only connected agents.
    Map<String, ActorRef<CycleRunner.Command>> view = t.runners();
    assertNull(view.get("web-01"), "disconnected");
    assertFalse(view.containsKey("web-01"));
    assertTrue(view.containsKey("db-01"));
    t.reported("web-01", status(Status.SATISFIED), null, web);
    assertEquals(web, view.get("web-01"), "the view follows the entries");
    assertEquals(3, view.size());
    t.disconnected("web-01", web, T);

    t.prune(T.plus(Duration.ofMinutes(30)), Duration.ofHours(1));
    assertEquals(3, t.statuses().size());
    t.prune(T.plus(Duration.ofHours(2)), Duration.ofHours(1));
    assertEquals(2, t.statuses().size(), "forgotten after the retention");
    assertTrue(t.reported("web-01", status(Status.SATISFIED), null, web), "back: a new entry");
  }

  @Test
  void onlyTheRunnerThatReportedMayCloseOrRemoveTheEntry() {
    TaskStatuses t = new TaskStatuses();
    ActorRef<CycleRunner.Command> old = runner();
    ActorRef<CycleRunner.Command> reconnected = runner();
    t.reported("web-01", status(Status.SATISFIED), null, old);
    assertTrue(t.reported("web-01", status(Status.SATISFIED), null, reconnected));
    assertFalse(t.disconnected("web-01", old, T), "the old session ending changes nothing");
    assertFalse(t.unmatched("web-01", old));
    assertEquals(List.of("web-01"), t.connected());
    assertTrue(t.unmatched("web-01", reconnected));
    assertTrue(t.connected().isEmpty());
  }
}

package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.TargetKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the registry hands to its agents' sessions: states, paced cycles, manual cycles, details.
 */
class SessionFanoutTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T, ZoneOffset.UTC);

  /** One immediate slot, then 2 agents a second: slot 1 waits 0.5 s, slot 2 1 s. */
  private static final ServerSettings.Rollout ROLLOUT = new ServerSettings.Rollout(1, 2.0);

  private final Map<String, TestProbe<AgentSession.Command>> sessions = new LinkedHashMap<>();
  private AgentDirectory directory;
  private SessionFanout fanout;
  private ActorRef<Runnable> host;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @BeforeEach
  void fleet() throws Exception {
    directory = new AgentDirectory(Duration.ofHours(1), 10);
    for (String n : List.of("web-02", "db-01", "web-01")) {
      TestProbe<AgentSession.Command> session = KIT.createTestProbe();
      sessions.put(n, session);
      directory.connected(
          new AgentDirectory.Live(
              session.ref(), summary(n), "peer", KIT.<Outbound>createTestProbe().ref()));
    }
    // The fan-out lives on an actor's thread, as in the registry: the host runs what it is sent.
    CompletableFuture<SessionFanout> made = new CompletableFuture<>();
    host =
        KIT.spawn(
            Behaviors.<Runnable>setup(
                ctx -> {
                  made.complete(
                      new SessionFanout(ctx, directory, ROLLOUT, Duration.ofSeconds(30), CLOCK));
                  return Behaviors.receiveMessage(
                      r -> {
                        r.run();
                        return Behaviors.same();
                      });
                }));
    fanout = made.get(10, TimeUnit.SECONDS);
  }

  private static Dto.AgentSummary summary(String name) {
    return new Dto.AgentSummary(
        name, Map.of(), "1", true, T, T, CyclePhase.IDLE, null, Dto.StatusCounts.EMPTY, 0);
  }

  private static DesiredState state(String commit) {
    return new DesiredState(commit, List.of(), T);
  }

  private CycleRunner.Command runnerGot(String agent) {
    return ((AgentSession.ForRunner)
            sessions.get(agent).expectMessageClass(AgentSession.ForRunner.class))
        .command();
  }

  private void nothingFor(String... agents) {
    for (String a : agents) {
      sessions.get(a).expectNoMessage(Duration.ofMillis(50));
    }
  }

  @Test
  void aNewCommitReachesEveryAgentPacedByNameAndIsKeptForNewSessions() {
    host.tell(
        () ->
            fanout.desiredState(
                new AgentRegistry.DesiredStateChanged(state("c1"), Map.of(), true)));

    assertEquals(
        new CycleRunner.DesiredStateChanged(state("c1"), Map.of(), Duration.ZERO),
        runnerGot("db-01"));
    assertEquals(
        Duration.ofMillis(500),
        ((CycleRunner.DesiredStateChanged) runnerGot("web-01")).cycleDelay());
    assertEquals(
        Duration.ofSeconds(1),
        ((CycleRunner.DesiredStateChanged) runnerGot("web-02")).cycleDelay());
    assertEquals(state("c1"), fanout.state());
  }

  @Test
  void aReplacedReconcilerHandsTheStateOverWithoutStartingACycle() {
    host.tell(
        () ->
            fanout.desiredState(
                new AgentRegistry.DesiredStateChanged(state("c1"), Map.of(), false)));
    for (String a : sessions.keySet()) {
      assertNull(((CycleRunner.DesiredStateChanged) runnerGot(a)).cycleDelay());
    }
  }

  @Test
  void aLiftedSuspensionStartsPacedCyclesOnTheAgentsItCovered() {
    host.tell(
        () -> fanout.suspensionLifted(new AgentRegistry.SuspensionLifted(TargetKind.ALL, null)));
    nothingFor("db-01", "web-01", "web-02"); // no state in force yet: nothing to check

    host.tell(
        () ->
            fanout.desiredState(
                new AgentRegistry.DesiredStateChanged(state("c1"), Map.of(), false)));
    sessions.keySet().forEach(this::runnerGot);

    host.tell(
        () ->
            fanout.suspensionLifted(
                new AgentRegistry.SuspensionLifted(TargetKind.AGENT, "web-02")));
    assertEquals(
        new CycleRunner.DesiredStateChanged(state("c1"), Map.of(), Duration.ZERO),
        runnerGot("web-02"));
    nothingFor("db-01", "web-01");

    host.tell(
        () -> fanout.suspensionLifted(new AgentRegistry.SuspensionLifted(TargetKind.TASK, "app")));
    assertEquals(
        Duration.ZERO, ((CycleRunner.DesiredStateChanged) runnerGot("db-01")).cycleDelay());
    assertEquals(
        Duration.ofMillis(500),
        ((CycleRunner.DesiredStateChanged) runnerGot("web-01")).cycleDelay());
  }

  @Test
  void aManualReconcileOfOneAgentStartsItsCycleAndSaysSo() {
    TestProbe<Dto.ReconcileAccepted> caller = KIT.createTestProbe();
    host.tell(
        () ->
            fanout.reconcile(
                new AgentRegistry.Reconcile(
                    Dto.ReconcileTarget.agent("web-01"), 7, true, caller.ref())));

    assertEquals(new CycleRunner.ManualReconcile(Set.of(), 7, true), runnerGot("web-01"));
    Dto.ReconcileAccepted answer = caller.receiveMessage();
    assertTrue(answer.accepted());
    assertEquals(7, answer.requestId());
    assertEquals(T, answer.requestedAt());
    nothingFor("db-01", "web-02");
  }

  @Test
  void aLiveAgentsDetailComesFromItsSessionAndFromTheHeldSummaryWhenTheSessionStops() {
    TestProbe<Optional<Dto.AgentDetail>> caller = KIT.createTestProbe();
    host.tell(() -> fanout.detail(new AgentRegistry.GetAgent("web-01", caller.ref())));
    AgentSession.GetDetail asked =
        sessions.get("web-01").expectMessageClass(AgentSession.GetDetail.class);
    Dto.AgentDetail fromSession = new Dto.AgentDetail(summary("web-01"), List.of(), List.of());
    asked.replyTo().tell(Optional.of(fromSession));
    assertEquals(Optional.of(fromSession), caller.receiveMessage());

    host.tell(() -> fanout.detail(new AgentRegistry.GetAgent("db-01", caller.ref())));
    sessions.get("db-01").expectMessageClass(AgentSession.GetDetail.class);
    sessions.get("db-01").stop();
    Dto.AgentDetail fallback = caller.receiveMessage(Duration.ofSeconds(20)).orElseThrow();
    assertEquals(AgentDirectory.disconnected(summary("db-01")), fallback.agent());
  }

  @Test
  void aDisconnectedAgentsDetailIsItsLastSummaryAndAnUnknownAgentHasNone() {
    directory.ended("web-02", T);
    TestProbe<Optional<Dto.AgentDetail>> caller = KIT.createTestProbe();
    host.tell(() -> fanout.detail(new AgentRegistry.GetAgent("web-02", caller.ref())));
    Dto.AgentDetail detail = caller.receiveMessage().orElseThrow();
    assertEquals("web-02", detail.agent().name());
    assertEquals(directory.disconnectedSummary("web-02", T), detail.agent());
    nothingFor("web-02");

    host.tell(() -> fanout.detail(new AgentRegistry.GetAgent("nobody", caller.ref())));
    assertEquals(Optional.empty(), caller.receiveMessage());
  }
}

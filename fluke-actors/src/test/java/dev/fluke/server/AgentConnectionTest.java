package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.await;
import static dev.fluke.server.ServerFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.events.Event;
import dev.fluke.exec.Outcome;
import dev.fluke.metrics.MetricSamples;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One agent's connection: registration, heartbeats, eviction and protocol violations (SPEC §5, §6).
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentConnectionTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");

  @TempDir Path dir;
  private ServerFixture fx;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
  }

  private ServerSettings settings() {
    return ServerFixture.settings(dir, null);
  }

  private ServerFixture start(ServerSettings settings) {
    fx = new ServerFixture(testKit, settings, task("app", null, "shell:deploy", "role=web"));
    fx.awaitInForce("c1");
    return fx;
  }

  private TestAgent connectRaw(String peer) {
    return TestAgent.connect(fx.server.gateway(), testKit.system(), peer);
  }

  @Test
  void registeredAgentIsToldTheHeartbeatIntervalAndServerVersion() {
    start(settings().withVersion("1.2.3"));
    TestAgent agent = connectRaw("10.0.0.5:4711");
    ServerMessage.Registered registered = agent.register("web-01", WEB);
    assertEquals("1.2.3", registered.serverVersion());
    assertEquals(ServerFixture.INTERVAL.toMillis(), registered.heartbeatIntervalMillis());
    agent.expectCheck("app");
    Dto.AgentSummary summary = fx.agent("web-01").agent();
    assertTrue(summary.connected());
    assertEquals(WEB, summary.labels());
    assertEquals("test-1", summary.version());
    assertTrue(
        fx.events("web-01").stream()
            .anyMatch(
                e -> e.outcome().equals("connected") && e.message().contains("10.0.0.5:4711")));
  }

  @Test
  void secondLiveAgentWithTheSameNameIsRejected() {
    start(settings());
    TestAgent first = fx.connect("web-01", WEB);
    first.expectCheck("app");

    TestAgent second = connectRaw("10.0.0.9:1234");
    second.send(new AgentMessage.Register("web-01", WEB, "test-1", List.of()));
    ServerMessage.Rejected rejected = second.expect(ServerMessage.Rejected.class);
    assertTrue(rejected.reason().contains("already connected"), rejected.reason());
    second.out.request(1);
    second.out.expectComplete();

    first.roundTrip(); // the live one is undisturbed
    assertTrue(fx.events("web-01").stream().anyMatch(e -> e.outcome().equals("rejected")));
  }

  @Test
  void aRegistrationTheGatewayNoLongerWaitsForMakesNoSession() {
    // A clock that moves a second each time it is read, and a register timeout of 1 ns: every
    // registration reaches the registry after the gateway's deadline, as under a reconnect storm.
    // (The manual scheduler keeps the gateway's own timers from firing first.)
    Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
    Clock ticking =
        new Clock() {
          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public synchronized Instant instant() {
            now[0] = now[0].plusSeconds(1);
            return now[0];
          }
        };
    ServerSettings s = settings().withClock(ticking);
    ServerSettings.Agents a = s.agents();
    start(
        s.withAgents(
            new ServerSettings.Agents(
                a.heartbeatInterval(),
                a.heartbeatAllowedMisses(),
                a.outputLines(),
                a.streamBuffer(),
                a.disconnectedRetention(),
                a.disconnectedMax(),
                Duration.ofNanos(1))));
    TestAgent agent = connectRaw("10.0.0.9:1234");
    agent.send(new AgentMessage.Register("web-01", WEB, "test-1", List.of()));
    ServerMessage.Rejected rejected = agent.expect(ServerMessage.Rejected.class);
    assertTrue(rejected.reason().contains("too busy"), rejected.reason());
    assertTrue(await(fx.api.agents()).isEmpty(), "no session, so the name stays free");
    assertEquals(1, MetricSamples.value(fx.metrics, "fluke_agent_registrations_late_total"));
  }

  @Test
  void agentWithoutAValidNameIsRejected() {
    start(settings());
    TestAgent agent = connectRaw("p");
    agent.send(new AgentMessage.Register("  ", WEB, "test-1", List.of()));
    assertTrue(agent.expect(ServerMessage.Rejected.class).reason().contains("must not be empty"));
  }

  @Test
  void agentSilentForTooManyHeartbeatsIsEvictedAndItsNameFreed() {
    ServerSettings s = settings();
    ServerSettings.Agents a = s.agents();
    start(
        s.withAgents(
            new ServerSettings.Agents(
                Duration.ofSeconds(10),
                3,
                a.outputLines(),
                a.streamBuffer(),
                a.disconnectedRetention(),
                a.disconnectedMax(),
                a.registerTimeout())));
    TestTime time = TestTime.of(testKit.system());
    TestAgent agent = fx.connect("web-01", WEB);
    agent.expectCheck("app");
    agent.roundTrip();
    time.timePasses(Duration.ofSeconds(10)); // heard in this interval: not a miss
    time.timePasses(Duration.ofSeconds(20)); // two silent intervals: not evicted yet
    agent.roundTrip(); // heard again: the count starts over at the next tick
    time.timePasses(Duration.ofSeconds(10));
    time.timePasses(Duration.ofSeconds(30)); // three silent intervals in a row: evicted

    agent.out.request(1);
    agent.out.expectComplete();
    Dto.AgentSummary gone = eventually(() -> await(fx.api.agents()).get(0), x -> !x.connected());
    assertEquals("web-01", gone.name());
    assertTrue(fx.events("web-01").stream().anyMatch(e -> e.outcome().equals("evicted")));

    TestAgent again = fx.connect("web-01", WEB); // the name is free again
    again.expectCheck("app");
    assertTrue(fx.agent("web-01").agent().connected());
  }

  @Test
  void disconnectedAgentsAreForgottenOldestFirstBeyondTheLimit() {
    ServerSettings s = settings();
    ServerSettings.Agents a = s.agents();
    start(
        s.withAgents(
            new ServerSettings.Agents(
                a.heartbeatInterval(),
                a.heartbeatAllowedMisses(),
                a.outputLines(),
                a.streamBuffer(),
                a.disconnectedRetention(),
                2,
                a.registerTimeout())));
    List<String> names = List.of("web-01", "web-02", "web-03", "web-04");
    for (String name : names) {
      TestAgent agent = fx.connect(name, WEB);
      agent.expectCheck("app");
      agent.in.sendComplete();
      eventually(() -> await(fx.api.agents()), list -> list.stream().noneMatch(x -> x.connected()));
    }
    assertEquals(
        List.of("web-03", "web-04"),
        await(fx.api.agents()).stream().map(Dto.AgentSummary::name).toList(),
        "the 2 disconnected last");
    TestAgent back = fx.connect("web-01", WEB); // a forgotten agent comes back as new
    back.expectCheck("app");
    assertEquals(
        List.of("web-01", "web-03", "web-04"),
        await(fx.api.agents()).stream().map(Dto.AgentSummary::name).toList());
  }

  @Test
  void disconnectedAgentsAreForgottenAfterTheRetention() {
    ServerSettings s = settings();
    ServerSettings.Agents a = s.agents();
    start(
        s.withAgents(
            new ServerSettings.Agents(
                a.heartbeatInterval(),
                a.heartbeatAllowedMisses(),
                a.outputLines(),
                a.streamBuffer(),
                Duration.ofMinutes(5),
                a.disconnectedMax(),
                a.registerTimeout())));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.expectCheck("app");
    agent.in.sendComplete();
    eventually(() -> await(fx.api.agents()), list -> list.size() == 1 && !list.get(0).connected());
    TestTime.of(testKit.system()).timePasses(Duration.ofMinutes(4));
    assertEquals(1, await(fx.api.agents()).size(), "kept within the retention");
    TestTime.of(testKit.system()).timePasses(Duration.ofMinutes(2));
    assertTrue(await(fx.api.agents()).isEmpty(), "forgotten past the retention");
    assertTrue(await(fx.api.agent("web-01")).isEmpty());
  }

  @Test
  void questionsAboutAnAgentThatIsJustDisconnectingAreAnsweredWithoutWaitingForATimer() {
    // The clock is manual here: an answer that relied on an ask timeout would never come.
    start(settings());
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
    agent.roundTrip();
    List<CompletionStage<Optional<Dto.AgentDetail>>> asked = new ArrayList<>();
    asked.add(fx.api.agent("web-01"));
    agent.in.sendComplete();
    for (int i = 0; i < 300; i++) {
      asked.add(fx.api.agent("web-01"));
    }
    for (CompletionStage<Optional<Dto.AgentDetail>> a : asked) {
      assertEquals("web-01", await(a).orElseThrow().agent().name());
    }
    eventually(() -> await(fx.api.agent("web-01")).orElseThrow().agent(), a -> !a.connected());
  }

  @Test
  void questionsAboutATaskThatIsJustLeavingTheManifestAreAnsweredWithoutWaitingForATimer() {
    start(settings());
    List<CompletionStage<Optional<Dto.TaskDetail>>> asked = new ArrayList<>();
    fx.commit("c2", task("other", null, "shell:x", "role=db"));
    fx.server.fetchNow();
    for (int i = 0; i < 300; i++) {
      asked.add(fx.api.task("app"));
    }
    for (CompletionStage<Optional<Dto.TaskDetail>> a : asked) {
      await(a); // answered (with or without the leaving task), never left waiting
    }
    eventually(
        () -> await(fx.api.tasks()),
        t -> t.stream().map(Dto.TaskSummary::name).toList().equals(List.of("other")));
  }

  @Test
  void disconnectedAgentStaysListedAsNotConnected() {
    start(settings());
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    agent.reportApply(agent.expectApply("app"), Outcome.APPLIED, Outcome.SATISFIED);
    agent.roundTrip();
    agent.in.sendComplete();

    Dto.AgentSummary s = eventually(() -> await(fx.api.agents()).get(0), x -> !x.connected());
    assertEquals(CyclePhase.IDLE, s.cycle());
    assertEquals(1, s.counts().satisfied());
    Dto.TaskDetail detail =
        eventually(
            () -> await(fx.api.task("app")).orElseThrow(),
            d -> !d.agents().isEmpty() && !d.agents().get(0).connected());
    assertEquals(Status.SATISFIED, detail.agents().get(0).status().status());
    assertTrue(fx.events("web-01").stream().anyMatch(e -> e.outcome().equals("disconnected")));
    assertFalse(await(fx.api.reconcile(Dto.ReconcileTarget.agent("web-01"))).accepted());
  }

  @Test
  void aReportSentJustBeforeTheAgentClosesItsStreamIsRecordedBeforeTheDisconnection() {
    // The inbound sink signals the stream's end without waiting for the last message's
    // acknowledgement: the session must let its runner handle that message before it ends.
    start(settings());
    List<String> names =
        java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> "web-" + i)
            .filter(
                n -> ServerSettings.Reconcile.slotOf(n, ServerFixture.INTERVAL).toMinutes() > 10)
            .limit(25)
            .toList();
    for (String name : names) {
      TestAgent agent = fx.connect(name, WEB);
      agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
      agent.in.sendComplete();
      List<String> outcomes =
          eventually(
                  () -> fx.events(name),
                  es -> es.stream().anyMatch(e -> e.outcome().equals("disconnected")))
              .stream()
              .map(Event::outcome)
              .toList();
      assertEquals(List.of("disconnected", "satisfied", "connected"), outcomes, name);
    }
  }

  @Test
  void protocolViolationEndsOnlyThatAgentsStream() {
    start(settings());
    TestAgent bad = fx.connect("web-01", WEB);
    TestAgent good = fx.connect("web-02", WEB);
    ServerMessage.CheckRequest check = bad.expectCheck("app");
    good.expectCheck("app");

    bad.send(
        new AgentMessage.CheckReport(
            check.cycleId(), List.of(new AgentMessage.TaskOutcome("not-requested", List.of()))));
    bad.out.request(1);
    Throwable error = bad.out.expectError();
    assertInstanceOf(ProtocolViolation.class, error);
    assertTrue(error.getMessage().contains("not-requested"), error.getMessage());

    good.roundTrip();
    Event violation =
        eventually(
                () -> fx.events("web-01"),
                ev -> ev.stream().anyMatch(e -> e.outcome().equals("protocol_violation")))
            .stream()
            .filter(e -> e.outcome().equals("protocol_violation"))
            .findFirst()
            .orElseThrow();
    assertTrue(violation.message().contains("was not requested"), violation.message());
  }

  @Test
  void applyResultForATaskThatWasNotRequestedIsAViolation() {
    start(settings());
    TestAgent agent = fx.connect("web-01", WEB);
    ServerMessage.CheckRequest check = agent.expectCheck("app");
    agent.send(
        new AgentMessage.ApplyResult(
            check.cycleId(), new AgentMessage.TaskOutcome("app", List.of()), false));
    agent.out.request(1);
    assertInstanceOf(ProtocolViolation.class, agent.out.expectError());
  }

  @Test
  void firstMessageMustBeRegister() {
    start(settings());
    TestAgent agent = connectRaw("p");
    agent.send(new AgentMessage.Heartbeat(1));
    agent.out.request(1);
    Throwable error = agent.out.expectError();
    assertInstanceOf(ProtocolViolation.class, error);
    assertTrue(error.getMessage().contains("must be Register"), error.getMessage());
  }

  @Test
  void registerTwiceIsAViolation() {
    start(settings());
    TestAgent agent = fx.connect("web-01", WEB);
    agent.expectCheck("app");
    agent.send(new AgentMessage.Register("web-01", WEB, "test-1", List.of()));
    agent.out.request(1);
    assertInstanceOf(ProtocolViolation.class, agent.out.expectError());
  }

  @Test
  void streamThatNeverRegistersIsDropped() {
    start(settings());
    TestAgent agent = connectRaw("p");
    agent.out.request(1);
    agent.in.expectRequest(); // the connection is up (and its register timer running)
    TestTime.of(testKit.system()).timePasses(Duration.ofSeconds(30));
    Throwable error = agent.out.expectError();
    assertInstanceOf(ProtocolViolation.class, error);
    assertTrue(error.getMessage().contains("no Register within 30s"), error.getMessage());
  }

  @Test
  void agentThatStopsReadingHasItsStreamFailedInsteadOfBufferingWithoutBound() {
    start(settings());
    TestAgent agent = fx.connect("web-01", WEB);
    // The agent sends heartbeats but never reads the answers: the bounded outbound buffer (16)
    // overflows,
    // which ends the connection (both directions) instead of growing the server's memory.
    String cancelled = null;
    for (int i = 0; i < 100 && cancelled == null; i++) {
      try {
        agent.send(new AgentMessage.Heartbeat(i));
      } catch (AssertionError e) {
        cancelled = e.getMessage(); // the server cancelled the agent's inbound side
      }
    }
    assertTrue(
        cancelled != null && cancelled.contains("BufferOverflowException"),
        String.valueOf(cancelled));
    agent.out.request(100);
    Throwable error = null;
    for (int i = 0; i < 100 && error == null; i++) {
      scala.util.Either<Throwable, ServerMessage> next = agent.out.expectNextOrError();
      if (next.isLeft()) {
        error = next.left().get();
      }
    }
    assertTrue(error.getClass().getSimpleName().contains("BufferOverflow"), error.toString());
  }
}

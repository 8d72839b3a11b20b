package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.ScriptedConnector.Link;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.ManualTime;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.ServerMessage.ApplyResultAck;
import dev.fluke.protocol.ServerMessage.Cancel;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import dev.fluke.protocol.ServerMessage.Registered;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server link and its connections: the server is scripted, the work and the result delivery are
 * probes, time is manual.
 */
class ServerLinkTest {
  static final ManualTime time = new ManualTime();
  static final ActorTestKit testKit = ActorTestKit.create(time);
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<Worker.Command> work = testKit.createTestProbe();
  private final TestProbe<ResultDelivery.Command> results = testKit.createTestProbe();
  private ScriptedConnector server;
  private ActorRef<ServerLink.Command> serverLink;

  @BeforeEach
  void start() {
    server = new ScriptedConnector();
    AgentSettings settings =
        AgentSettings.create(ConfigFactory.load())
            .withName("web-01")
            .withLabels(java.util.Map.of("role", "web"));
    serverLink =
        testKit.spawn(
            ServerLink.create(
                settings,
                List.of(server),
                List.of("mise", "shell"),
                Clock.fixed(NOW, ZoneOffset.UTC),
                new SplittableRandom(),
                work.getRef(),
                results.getRef()));
  }

  @AfterEach
  void stop() {
    testKit.stop(serverLink);
  }

  /** Registers, and lets the delivery catch up at once. */
  private ResultDelivery.Registered register(Link link) {
    link.next(Register.class);
    link.send(new Registered("test-server", 10_000));
    ResultDelivery.Registered registered =
        results.expectMessageClass(ResultDelivery.Registered.class);
    registered.replyTo().tell(ResultDelivery.CaughtUp.INSTANCE);
    return registered;
  }

  @Test
  void registersFirstThenHandsRequestsCancelsAndAcknowledgementsOn() throws Exception {
    Link link = server.nextLink();
    Register r = link.next(Register.class);
    assertEquals("web-01", r.name());
    assertEquals(List.of("mise", "shell"), r.executors());
    link.send(new Registered("test-server", 10_000));
    ResultDelivery.Registered registered =
        results.expectMessageClass(ResultDelivery.Registered.class);
    registered.replyTo().tell(ResultDelivery.CaughtUp.INSTANCE);
    long conn = registered.connId();

    CheckRequest check = new CheckRequest(4, List.of(task("t", block("shell", "a"))));
    link.send(check);
    link.send(new Cancel(4));
    link.send(new ApplyResultAck(3, "t"));

    assertEquals(new Worker.Enqueue(conn, check), work.expectMessageClass(Worker.Enqueue.class));
    assertEquals(
        new Worker.CancelCycle(conn, 4), work.expectMessageClass(Worker.CancelCycle.class));
    assertEquals(
        new ResultDelivery.Acknowledged(conn, 3, "t"),
        results.expectMessageClass(ResultDelivery.Acknowledged.class));
  }

  @Test
  void nothingMoreIsReadFromTheServerUntilTheKeptResultsWentOut() throws Exception {
    Link link = server.nextLink();
    link.next(Register.class);
    link.send(new Registered("test-server", 10_000));
    link.send(new CheckRequest(1, List.of(task("t", block("shell", "a")))));
    ResultDelivery.Registered registered =
        results.expectMessageClass(ResultDelivery.Registered.class);

    work.expectNoMessage(Duration.ofMillis(200));
    registered.replyTo().tell(ResultDelivery.CaughtUp.INSTANCE);

    assertEquals(
        1, ((CheckRequest) work.expectMessageClass(Worker.Enqueue.class).request()).cycleId());
  }

  @Test
  void requestsBeforeRegisteredAreIgnored() throws Exception {
    Link link = server.nextLink();
    link.next(Register.class);

    link.send(new CheckRequest(1, List.of(task("t", block("shell", "a")))));

    work.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aLostConnectionIsToldToTheWorkAndTheDeliveryAndItsCheckReportsAreDropped() throws Exception {
    Link first = server.nextLink();
    ResultDelivery.Registered registeredFirst = register(first);
    long conn = registeredFirst.connId();
    ActorRef<Connection.Command> oldConnection = registeredFirst.link();

    first.drop();

    assertEquals(
        new Worker.ConnectionLost(conn), work.expectMessageClass(Worker.ConnectionLost.class));
    assertEquals(
        new ResultDelivery.Disconnected(conn),
        results.expectMessageClass(ResultDelivery.Disconnected.class));
    Link second = server.nextLink(time, Duration.ofMillis(1200)).link();
    ActorRef<Connection.Command> newConnection = register(second).link();
    // What the delivery sends to the old connection goes nowhere; on the new one it goes out.
    oldConnection.tell(new Connection.Send(new CheckReport(1, List.of())));
    newConnection.tell(new Connection.Send(new CheckReport(2, List.of())));
    assertEquals(2, second.next(CheckReport.class).cycleId());
  }

  @Test
  void heartbeatsCarryTheInjectedClocksTime() throws Exception {
    Link link = server.nextLink();
    register(link);
    link.fromAgent().request(1);
    link.fromAgent().expectNoMessage(Duration.ofMillis(200));

    time.timePasses(Duration.ofSeconds(10));

    Heartbeat h = assertInstanceOf(Heartbeat.class, link.fromAgent().expectNext());
    assertEquals(NOW.toEpochMilli(), h.sentAtMillis());
  }
}

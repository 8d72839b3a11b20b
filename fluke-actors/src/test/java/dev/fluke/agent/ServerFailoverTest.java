package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.ScriptedConnector.Link;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.LoggingTestKit;
import dev.fluke.agent.actor.ManualTime;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import dev.fluke.protocol.AgentMessage.Register;
import dev.fluke.protocol.Rebalancing;
import dev.fluke.protocol.ServerMessage;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import dev.fluke.protocol.ServerMessage.Registered;
import dev.fluke.protocol.ServerMessage.Rejected;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's way through several servers (docs/protocol.md, "Failover"): the servers are scripted,
 * the work and the delivery are probes, time is manual. Where the agent goes next and after which
 * delay is read from its log line ("…; trying b in 1.104s"), which is written when the next dial is
 * scheduled: moving the manual clock by exactly that delay must dial that server, and not a
 * millisecond earlier.
 */
class ServerFailoverTest {
  static final ManualTime time = new ManualTime();
  static final ActorTestKit testKit = ActorTestKit.create(time);
  static final Pattern PLAN = Pattern.compile("trying (\\w+) in ([0-9.]+)(ms|s)$");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<Worker.Command> work = testKit.createTestProbe();
  private final TestProbe<ResultDelivery.Command> results = testKit.createTestProbe();
  private final TestProbe<String> dialled = testKit.createTestProbe();
  private final List<ScriptedConnector> servers = new ArrayList<>();
  private ActorRef<ServerLink.Command> link;

  @AfterEach
  void stop() {
    if (link != null) {
      testKit.stop(link);
    }
  }

  private ScriptedConnector server(String name) {
    return servers.stream().filter(s -> s.address().equals(name)).findFirst().orElseThrow();
  }

  /** The scheduled next attempt, from the agent's log: which server, after how long. */
  private record Plan(String server, Duration delay) {}

  /** Runs {@code trigger} and returns the plan the agent logs when the attempt ends. */
  private static Plan planAfter(Runnable trigger) {
    AtomicReference<String> line = new AtomicReference<>();
    LoggingTestKit.empty()
        .withLoggerName(ServerLink.class.getName())
        .withMessageRegex(".*trying \\w+ in .*")
        .withCustom(
            e -> {
              line.set(e.message());
              return true;
            })
        .expect(
            testKit.system(),
            () -> {
              trigger.run();
              return null;
            });
    Matcher m = PLAN.matcher(line.get());
    assertTrue(m.find(), line.get());
    double amount = Double.parseDouble(m.group(2));
    Duration delay =
        m.group(3).equals("ms")
            ? Duration.ofMillis((long) amount)
            : Duration.ofMillis(Math.round(amount * 1000));
    return new Plan(m.group(1), delay);
  }

  /** Starts the link to servers a, b, c (in that order), every attempt failing unless scripted. */
  private Plan startWith(long seed, String config, int failEach) {
    for (String name : List.of("a", "b", "c")) {
      servers.add(new ScriptedConnector(name, dialled.getRef()::tell).failNext(failEach));
    }
    AgentSettings settings =
        AgentSettings.create(ConfigFactory.parseString(config).withFallback(ConfigFactory.load()))
            .withName("web-01")
            .withLabels(Map.of("role", "web"));
    Runnable spawn =
        () ->
            link =
                testKit.spawn(
                    ServerLink.create(
                        settings,
                        List.copyOf(servers),
                        List.of("shell"),
                        Clock.systemUTC(),
                        new SplittableRandom(seed),
                        work.getRef(),
                        results.getRef()));
    if (failEach == 0) {
      spawn.run();
      return null;
    }
    return planAfter(spawn);
  }

  private static String firstOf(long seed) {
    return List.of("a", "b", "c").get(new SplittableRandom(seed).nextInt(3));
  }

  @Test
  void startsAtARandomServerAndGoesRoundTheListInOrderWithABackoffGrowingPerRound() {
    long seed = 42;
    Plan plan = startWith(seed, "", 100);
    List<String> order = new ArrayList<>(List.of(dialled.receiveMessage()));
    assertEquals(firstOf(seed), order.get(0), "the first dial goes at once");

    Duration min = Duration.ofSeconds(1);
    for (int attempt = 1; attempt <= 10; attempt++) {
      int round = (attempt + 2) / 3; // three servers: the delay doubles once per round
      Duration base = min.multipliedBy(1L << (round - 1));
      Duration expected =
          base.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : base;
      assertTrue(
          plan.delay().compareTo(expected) >= 0
              && plan.delay().compareTo(expected.multipliedBy(12).dividedBy(10)) < 0,
          "attempt " + attempt + " waits " + plan.delay() + ", expected " + expected + " +20%");
      time.timePasses(plan.delay().minusMillis(1));
      dialled.expectNoMessage(Duration.ofMillis(200)); // not before the backoff passed
      Plan current = plan;
      plan = planAfter(() -> time.timePasses(Duration.ofMillis(1)));
      order.add(dialled.receiveMessage());
      assertEquals(current.server(), order.get(order.size() - 1), "the server the log announced");
    }

    List<String> all = List.of("a", "b", "c");
    int start = all.indexOf(firstOf(seed));
    for (int i = 0; i < order.size(); i++) {
      assertEquals(all.get((start + i) % 3), order.get(i), "dial " + i + " of " + order);
    }
  }

  @Test
  void aServerThatSendsNothingForThreeHeartbeatIntervalsIsDroppedAndTheNextDialled() {
    long seed = seedStartingAt("a");
    startWith(seed, "fluke.agent.silent-server-intervals = 3", 0);
    Link a = registered(server("a"));
    a.fromAgent().request(100);

    time.timePasses(Duration.ofSeconds(20));
    assertInstanceOf(Heartbeat.class, a.fromAgent().expectNext());
    a.send(new CheckRequest(1, List.of(task("t", block("shell", "x")))));
    work.expectMessageClass(Worker.Enqueue.class);
    // 29s after the server's last message: still connected (its heartbeats went unanswered).
    time.timePasses(Duration.ofSeconds(29));
    work.expectNoMessage(Duration.ofMillis(200));

    Plan plan = planAfter(() -> time.timePasses(Duration.ofSeconds(1)));

    assertAnotherServer(plan);
    assertInstanceOf(Worker.ConnectionLost.class, work.receiveMessage());
    Throwable why = drainToError(a);
    assertInstanceOf(ConnectionAttempt.EndedByAgent.class, why);
    assertEquals("the server sent nothing for 30s (3 heartbeat intervals)", why.getMessage());
    time.timePasses(plan.delay());
    Link b = registered(server(plan.server()));
    b.send(new CheckRequest(2, List.of(task("t", block("shell", "x")))));
    Worker.Command m = work.receiveMessage();
    while (m instanceof Worker.ConnectionLost) { // told twice: when it ended and when it stopped
      m = work.receiveMessage();
    }
    assertEquals(2, ((CheckRequest) assertInstanceOf(Worker.Enqueue.class, m).request()).cycleId());
  }

  @Test
  void aServerThatAnswersTheHeartbeatsKeepsTheAgent() {
    startWith(seedStartingAt("a"), "", 0);
    Link a = registered(server("a"));
    a.fromAgent().request(100);

    for (int i = 1; i <= 6; i++) {
      time.timePasses(Duration.ofSeconds(10));
      Heartbeat h = assertInstanceOf(Heartbeat.class, a.fromAgent().expectNext());
      a.send(new ServerMessage.Heartbeat(h.sentAtMillis()));
      // A request after each answer shows the connection has read the answer.
      a.send(new CheckRequest(i, List.of(task("t", block("shell", "x")))));
      work.expectMessageClass(Worker.Enqueue.class);
    }

    assertEquals("a", dialled.receiveMessage());
    dialled.expectNoMessage(Duration.ofMillis(200)); // 60s on the same connection
  }

  @Test
  void aRejectingServerIsLeftForTheNextOne() throws Exception {
    startWith(seedStartingAt("b"), "", 0);
    Link b = server("b").nextLink();
    b.next(Register.class);

    Plan plan = planAfter(() -> b.send(new Rejected("an agent named web-01 is connected")));

    assertEquals("c", plan.server());
    time.timePasses(plan.delay());
    assertEquals("web-01", server("c").nextLink().next(Register.class).name());
  }

  @Test
  void anAgentMovedByRebalancingSaysSoOnceToEachServerThenRegistersAnywhere() throws Exception {
    startWith(seedStartingAt("a"), "", 0);
    Link a = registered(server("a"));
    Plan plan =
        planAfter(() -> a.toAgent().close(new Rebalancing("this server node holds 3 of the 4")));
    assertAnotherServer(plan);

    // Every server holds its share: each sends the moved agent on once (a, the node that moved
    // it, included), and the try after that is an ordinary registration.
    List<String> sentOnBy = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      time.timePasses(plan.delay());
      Link next = server(plan.server()).nextLink();
      assertTrue(next.next(Register.class).moved(), "try " + i + " says the agent was moved");
      sentOnBy.add(plan.server());
      plan =
          planAfter(
              () -> next.send(new Rejected(Rebalancing.MARK + "this server node holds its share")));
    }
    assertEquals(List.of("a", "b", "c"), sentOnBy.stream().sorted().toList());
    time.timePasses(plan.delay());
    assertFalse(server(plan.server()).nextLink().next(Register.class).moved());
  }

  @Test
  void aMovedAgentTakenByTheNextServerIsNotMovedWhenThatConnectionEnds() throws Exception {
    startWith(seedStartingAt("a"), "", 0);
    Link a = registered(server("a"));
    Plan plan = planAfter(() -> a.toAgent().close(new Rebalancing("this server node holds 3")));
    time.timePasses(plan.delay());
    Link b = server(plan.server()).nextLink();
    assertTrue(b.next(Register.class).moved());
    b.send(new Registered("test-server", 10_000));
    results.expectMessageClass(ResultDelivery.Disconnected.class);
    assertInstanceOf(ResultDelivery.Registered.class, results.receiveMessage())
        .replyTo()
        .tell(ResultDelivery.CaughtUp.INSTANCE);

    Plan afterDrop = planAfter(b::drop);
    time.timePasses(afterDrop.delay());
    assertFalse(server(afterDrop.server()).nextLink().next(Register.class).moved());
  }

  @Test
  void aConnectionThatStayedRegisteredStartsTheBackoffOverFromTheMinimum() throws Exception {
    // a, b and c refuse twice each (a round of 1s delays, then one of 2s), then a accepts.
    Plan plan = startWith(seedStartingAt("a"), "fluke.agent.silent-server-intervals = 0", 2);
    for (int i = 0; i < 5; i++) {
      plan = waitFor(plan);
    }
    assertEquals("a", plan.server());
    assertTrue(plan.delay().compareTo(Duration.ofSeconds(2)) >= 0, "the second round: " + plan);
    time.timePasses(plan.delay());
    Link a = registered(server("a"));

    time.timePasses(Duration.ofSeconds(31));
    Plan afterStable = planAfter(a::drop);

    assertAnotherServer(afterStable);
    assertTrue(afterStable.delay().compareTo(Duration.ofMillis(1200)) < 0, "" + afterStable);
  }

  @Test
  void theNextServerIsToldTheTokenOfTheLastRegistrationSoItCanTakeTheAgentOverAtOnce() {
    startWith(seedStartingAt("a"), "", 0);
    Link a;
    try {
      a = server("a").nextLink();
      assertEquals("", a.next(Register.class).resumeToken(), "nothing to resume at first");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    a.send(new Registered("test-server", 10_000, "token-of-a"));
    assertInstanceOf(ResultDelivery.Registered.class, results.receiveMessage())
        .replyTo()
        .tell(ResultDelivery.CaughtUp.INSTANCE);

    Plan plan = planAfter(a::drop);
    assertAnotherServer(plan);
    time.timePasses(plan.delay());
    try {
      Link b = server(plan.server()).nextLink();
      assertEquals("token-of-a", b.next(Register.class).resumeToken());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * After a connection to {@code a} on which the agent had registered: the next attempt goes to one
   * of the others, picked at random ({@link Dialing#endedRegistered}).
   */
  private static void assertAnotherServer(Plan plan) {
    assertTrue(List.of("b", "c").contains(plan.server()), "not back to a: " + plan);
  }

  /** Lets {@code plan}'s delay pass; returns the plan after that attempt failed. */
  private static Plan waitFor(Plan plan) {
    return planAfter(() -> time.timePasses(plan.delay()));
  }

  /** Waits for the agent's connection to {@code server}, registers it, lets the delivery go on. */
  private Link registered(ScriptedConnector server) {
    Link link;
    try {
      link = server.nextLink();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    link.next(Register.class);
    link.send(new Registered("test-server", 10_000));
    ResultDelivery.Command m = results.receiveMessage();
    while (m instanceof ResultDelivery.Disconnected) { // of an earlier connection
      m = results.receiveMessage();
    }
    assertInstanceOf(ResultDelivery.Registered.class, m)
        .replyTo()
        .tell(ResultDelivery.CaughtUp.INSTANCE);
    return link;
  }

  /** Reads what the agent still sent (heartbeats) up to the error that ended its side. */
  private static Throwable drainToError(Link link) {
    while (true) {
      Object next = link.fromAgent().expectNextOrError();
      if (next instanceof Throwable t) {
        return t;
      }
      assertInstanceOf(AgentMessage.Heartbeat.class, next);
    }
  }

  /** A seed that makes the agent start at {@code first}. */
  private static long seedStartingAt(String first) {
    long seed = 0;
    while (!firstOf(seed).equals(first)) {
      seed++;
    }
    return seed;
  }
}

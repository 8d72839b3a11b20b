package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.Rebalancing;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new stream's registration on a single server (and, where said, one that the cluster directory
 * decides): an actor holds the registrations (as the registry does) and a probe stands for each
 * session it would spawn.
 */
class RegistrationsTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @TempDir Path dir;
  private final FlukeMetrics metrics = new FlukeMetrics();
  private final MemoryEventStore events = new MemoryEventStore(200, 100, 100);
  private final AgentDirectory directory = new AgentDirectory(Duration.ofHours(1), 10);
  private ServerSettings settings;
  private DirectoryFeed feed;
  private TestProbe<AgentSession.Command> session;
  private ActorRef<AgentRegistry.Command> registry;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    settings = ServerFixture.settings(dir, null);
    session = KIT.createTestProbe();
    feed = new DirectoryFeed(directory, new LiveHub(settings.live(), metrics), metrics);
    registry = spawn(AgentAdmission.LOCAL);
  }

  /** The registrations of a registry whose admissions {@code admission} decides. */
  private ActorRef<AgentRegistry.Command> spawn(AgentAdmission admission) {
    return KIT.spawn(
        Behaviors.setup(
            ctx -> {
              Registrations r =
                  new Registrations(
                      ctx,
                      settings,
                      events,
                      metrics,
                      new Admissions(admission),
                      directory,
                      feed,
                      (c, connection, base, token) -> session.ref());
              return Behaviors.receiveMessage(
                  m -> {
                    if (m instanceof AgentRegistry.Connect c) {
                      r.connect(c);
                    } else if (m instanceof AgentRegistry.Admitted a) {
                      r.admitted(a);
                    }
                    return Behaviors.same();
                  });
            }));
  }

  private AgentRegistry.ConnectReply connect(String name, Instant deadline) {
    return connecting(name, deadline).receiveMessage();
  }

  /** Sends {@code name}'s registration; the probe gets the answer. */
  private TestProbe<AgentRegistry.ConnectReply> connecting(String name, Instant deadline) {
    TestProbe<AgentRegistry.ConnectReply> reply = KIT.createTestProbe();
    TestProbe<Outbound> out = KIT.createTestProbe();
    registry.tell(
        new AgentRegistry.Connect(
            new AgentMessage.Register(name, Map.of("role", "web"), "1", List.of("shell")),
            "10.0.0.7",
            out.ref(),
            reply.ref(),
            deadline));
    return reply;
  }

  private Instant later() {
    return settings.now().plusSeconds(60);
  }

  private List<Event> events(String outcome) {
    return events.query(new EventQuery(null, null, outcome, 0)).toCompletableFuture().join();
  }

  @Test
  void anAcceptedRegistrationGetsItsSessionAndIsLiveInTheDirectory() {
    AgentRegistry.Accepted a =
        assertInstanceOf(AgentRegistry.Accepted.class, connect("web-01", later()));

    assertEquals(session.ref(), a.session());
    assertTrue(directory.isCurrent("web-01", session.ref()));
    assertEquals(1, value(metrics, "fluke_agents_connected"));
  }

  @Test
  void aSecondLiveAgentOfTheSameNameIsRefusedAndRecorded() {
    connect("web-01", later());

    AgentRegistry.Refused r =
        assertInstanceOf(AgentRegistry.Refused.class, connect("web-01", later()));
    assertTrue(r.reason().contains("already connected (from 10.0.0.7"), r.reason());
    assertEquals(1, events("rejected").size());
    assertTrue(events("rejected").get(0).message().contains("peer 10.0.0.7"));
  }

  @Test
  void anAgentSentOnByRebalancingIsRefusedWithoutARejectedEventUnlikeOtherRefusals() {
    AdmissionsTest.RecordingDirectory cluster = new AdmissionsTest.RecordingDirectory();
    cluster.holdAdmissions = true;
    registry = spawn(cluster);

    TestProbe<AgentRegistry.ConnectReply> moved = connecting("web-01", later());
    await().until(() -> cluster.admissions.size() == 1);
    String atShare = Rebalancing.MARK + "this server node holds 3 of the 4 agents on 2 nodes";
    cluster.admissions.get(0).complete(AgentAdmission.Decision.refused(atShare));
    assertEquals(
        atShare, assertInstanceOf(AgentRegistry.Refused.class, moved.receiveMessage()).reason());
    assertEquals(List.of(), events("rejected"), "routine: the agent goes on to another node");
    assertEquals(1, value(metrics, "fluke_agent_moves_sent_on_total"));

    TestProbe<AgentRegistry.ConnectReply> held = connecting("web-02", later());
    await().until(() -> cluster.admissions.size() == 2);
    cluster.admissions.get(1).complete(AgentAdmission.Decision.refused("held elsewhere"));
    assertInstanceOf(AgentRegistry.Refused.class, held.receiveMessage());
    assertEquals(1, events("rejected").size());
  }

  @Test
  void aRegistrationAnsweredAfterItsDeadlineIsRefusedAsTooLateWithoutASession() {
    AgentRegistry.Refused r =
        assertInstanceOf(
            AgentRegistry.Refused.class, connect("web-01", settings.now().minusSeconds(1)));

    assertTrue(r.reason().contains("too busy"), r.reason());
    assertEquals(1, value(metrics, "fluke_agent_registrations_late_total"));
    assertEquals(List.of(), directory.liveNames());
    assertEquals(List.of(), events("rejected"), "the agent just retries: no event");
  }
}

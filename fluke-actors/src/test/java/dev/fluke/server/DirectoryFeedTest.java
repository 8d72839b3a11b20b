package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry's directory as the live view and the metrics see it. */
class DirectoryFeedTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private FlukeMetrics metrics;
  private AgentDirectory directory;
  private DirectoryFeed feed;
  private TestSubscriber.Probe<LiveUpdate> viewer;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    metrics = new FlukeMetrics();
    LiveHub hub = new LiveHub(new ServerSettings.Live(100, 10, 100), metrics);
    viewer = hub.subscribe().runWith(TestSink.create(KIT.system()), KIT.system());
    viewer.request(100);
    directory = new AgentDirectory(Duration.ofHours(1), 10);
    feed = new DirectoryFeed(directory, hub, metrics);
  }

  private static Dto.AgentSummary summary(String name, Instant seen, Dto.StatusCounts counts) {
    return new Dto.AgentSummary(
        name, Map.of(), "1", true, T, seen, CyclePhase.IDLE, null, counts, 0);
  }

  private AgentDirectory.Live connect(String name) {
    TestProbe<AgentSession.Command> session = KIT.createTestProbe();
    TestProbe<Outbound> out = KIT.createTestProbe();
    AgentDirectory.Live live =
        new AgentDirectory.Live(
            session.ref(), summary(name, T, Dto.StatusCounts.EMPTY), "peer", out.ref());
    feed.connected(live);
    return live;
  }

  private void announced(String agent) {
    LiveUpdate u = viewer.expectNext();
    assertEquals(LiveUpdate.agentChanged(u.time(), agent), u);
  }

  @Test
  void aConnectAndADisconnectAreCountedAndAnnounced() {
    AgentDirectory.Live web = connect("web-01");
    announced("web-01");
    assertEquals(1, value(metrics, "fluke_agents_connected"));

    assertTrue(feed.ended("web-01", web.session(), T));
    announced("web-01");
    assertEquals(0, value(metrics, "fluke_agents_connected"));
    assertEquals(1, value(metrics, "fluke_agent_disconnections_total"));
    assertFalse(directory.all(T).get(0).connected());
  }

  @Test
  void statusChangesMoveTheFleetTotalsAndOnlyRealChangesAreAnnounced() {
    AgentDirectory.Live web = connect("web-01");
    announced("web-01");

    feed.summary(summary("web-01", T, new Dto.StatusCounts(2, 1, 0, 0, 0, 0)), web.session());
    announced("web-01");
    assertEquals(new Dto.StatusCounts(2, 1, 0, 0, 0, 0), directory.totals());
    feed.summary(
        summary("web-01", T.plusSeconds(5), new Dto.StatusCounts(2, 1, 0, 0, 0, 0)), web.session());
    viewer.expectNoMessage(Duration.ofMillis(100));

    feed.ended("web-01", web.session(), T);
    announced("web-01");
    assertEquals(Dto.StatusCounts.EMPTY, directory.totals(), "a disconnected agent left the sums");
  }

  @Test
  void newsFromASessionThatIsNoLongerTheAgentsIsIgnored() {
    AgentDirectory.Live old = connect("web-01");
    feed.ended("web-01", old.session(), T);
    AgentDirectory.Live current = connect("web-01");
    viewer.expectNextN(3);

    feed.summary(summary("web-01", T, new Dto.StatusCounts(5, 0, 0, 0, 0, 0)), old.session());
    assertFalse(feed.ended("web-01", old.session(), T));
    viewer.expectNoMessage(Duration.ofMillis(100));
    assertEquals(Dto.StatusCounts.EMPTY, directory.totals());
    assertEquals(1, value(metrics, "fluke_agents_connected"));
    assertTrue(directory.isCurrent("web-01", current.session()));
  }
}

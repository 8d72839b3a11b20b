package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.EventStore;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live hub on its own: fan-out, bounded subscribers, recent output, the publishing event store.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class LiveHubTest {

  @JUnit5TestKit ActorTestKit testKit = ActorTestKit.create();

  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FlukeMetrics metrics = new FlukeMetrics();

  private LiveHub hub(int buffer, int lines, int agents) {
    return new LiveHub(new ServerSettings.Live(buffer, lines, agents), metrics);
  }

  private TestSubscriber.Probe<LiveUpdate> subscribe(LiveHub hub) {
    return hub.subscribe().runWith(TestSink.create(testKit.system()), testKit.system());
  }

  private static LiveUpdate marker(int i) {
    return LiveUpdate.agentChanged("agent-" + i);
  }

  @Test
  void aSubscriberSeesWhatIsPublishedFromTheMomentItSubscribes() {
    LiveHub hub = hub(16, 10, 10);
    hub.publish(marker(0)); // nobody listens yet: gone
    TestSubscriber.Probe<LiveUpdate> viewer = subscribe(hub);
    assertEquals(1, hub.subscribers(), "registered when materialized, not later");
    hub.publish(marker(1));
    hub.publish(marker(2));
    viewer.request(10);
    assertEquals(marker(1).agent(), viewer.expectNext(WAIT).agent());
    assertEquals(marker(2).agent(), viewer.expectNext(WAIT).agent());
    assertEquals(1, value(metrics, "fluke_live_subscribers"));
  }

  @Test
  void aViewerThatNeverReadsLosesUpdatesWithoutHoldingUpTheOthers() {
    LiveHub hub = hub(8, 10, 10);
    TestSubscriber.Probe<LiveUpdate> stuck = subscribe(hub);
    TestSubscriber.Probe<LiveUpdate> reader = subscribe(hub);
    reader.request(1000);
    List<LiveUpdate> published = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      LiveUpdate u = marker(i);
      published.add(u);
      hub.publish(u); // returns at once although one viewer has not read anything
      assertSame(u, reader.expectNext(WAIT), "the reading viewer gets every update as it comes");
    }
    assertEquals(
        42,
        value(metrics, "fluke_live_updates_dropped_total"),
        "50 published, 8 fit in its buffer");

    // What the stuck viewer held is its buffer, the oldest 8; then it is told what it lost, and is
    // live again.
    stuck.request(100);
    assertEquals(published.subList(0, 8), next(stuck, 8));
    LiveUpdate after = marker(99);
    hub.publish(after);
    LiveUpdate lost = stuck.expectNext(WAIT);
    assertEquals("lost", lost.kind());
    assertEquals(42, lost.count());
    assertSame(after, stuck.expectNext(WAIT));
    assertSame(after, reader.expectNext(WAIT), "a viewer that kept up is told nothing");
    hub.publish(marker(100));
    assertEquals("agent-100", stuck.expectNext(WAIT).agent(), "told once");
  }

  @Test
  void aViewerGetsOnlyTheUpdatesItWantsAndOthersDoNotFillItsBuffer() {
    LiveHub hub = hub(4, 10, 10);
    TestSubscriber.Probe<LiveUpdate> web =
        hub.subscribe(u -> u.agent().equals("agent-7"))
            .runWith(TestSink.create(testKit.system()), testKit.system());
    for (int i = 0; i < 50; i++) {
      hub.publish(marker(i)); // nothing read yet: only agent-7's update takes room
    }
    web.request(10);
    assertEquals("agent-7", web.expectNext(WAIT).agent());
    hub.publish(marker(7));
    assertEquals(
        "agent-7", web.expectNext(WAIT).agent(), "no 'lost' marker: nothing it wanted was dropped");
    assertEquals(0, value(metrics, "fluke_live_updates_dropped_total"));
  }

  @Test
  void aViewerThatGoesAwayIsForgotten() {
    LiveHub hub = hub(8, 10, 10);
    TestSubscriber.Probe<LiveUpdate> viewer = subscribe(hub);
    assertEquals(1, hub.subscribers());
    viewer.cancel();
    ServerFixture.eventually(hub::subscribers, n -> n == 0);
    hub.publish(marker(1));
    assertEquals(
        0, value(metrics, "fluke_live_updates_dropped_total"), "a closed viewer is not a slow one");
  }

  @Test
  void recentOutputIsTheCurrentApplysLastLinesInOrder() throws Exception {
    LiveHub hub = hub(64, 3, 10);
    TestSubscriber.Probe<LiveUpdate> viewer = subscribe(hub);
    viewer.request(64);
    hub.applyStarted("web-01");
    assertEquals(List.of(), recent(hub, "web-01"), "an apply without output yet");
    for (int i = 1; i <= 5; i++) {
      hub.output("web-01", "app", "shell \"deploy\"", "line " + i);
    }
    hub.output("db-01", "schema", "shell \"migrate\"", "other agent");
    List<LiveUpdate> lines = recent(hub, "web-01");
    assertEquals(
        List.of("line 3", "line 4", "line 5"), lines.stream().map(LiveUpdate::line).toList());
    for (LiveUpdate u : lines) {
      assertEquals("output", u.kind());
      assertEquals("web-01", u.agent());
      assertEquals("app", u.task());
      assertEquals("shell \"deploy\"", u.executor());
    }
    // The very updates the viewers got (same time stamp), so a viewer can drop what it has twice.
    List<LiveUpdate> live = next(viewer, 6);
    assertEquals(live.subList(2, 5), lines);

    hub.applyStarted("web-01");
    assertEquals(List.of(), recent(hub, "web-01"), "the next apply starts over");
    assertEquals(1, recent(hub, "db-01").size());
    assertEquals(List.of(), recent(hub, "nobody"));
  }

  @Test
  void recentOutputIsKeptForALimitedNumberOfAgents() throws Exception {
    LiveHub hub = hub(8, 10, 2);
    hub.output("a", "t", "e", "from a");
    hub.output("b", "t", "e", "from b");
    hub.applyStarted("a"); // a's apply is now the newest
    hub.output("a", "t", "e", "a again");
    hub.output("c", "t", "e", "from c");
    assertEquals(
        List.of(), recent(hub, "b"), "the agent whose apply started longest ago is forgotten");
    assertEquals(List.of("a again"), recent(hub, "a").stream().map(LiveUpdate::line).toList());
    assertEquals(List.of("from c"), recent(hub, "c").stream().map(LiveUpdate::line).toList());
  }

  @Test
  void aRunawayLineIsCut() throws Exception {
    LiveHub hub = hub(8, 10, 2);
    hub.output("a", "t", "e", "x".repeat(OutputTail.MAX_LINE * 3));
    assertEquals(OutputTail.MAX_LINE, recent(hub, "a").get(0).line().length());
  }

  @Test
  void everyAppendedEventIsPublished() throws Exception {
    LiveHub hub = hub(8, 10, 2);
    MemoryEventStore memory = new MemoryEventStore(10, 10, 10);
    EventStore store = hub.publishing(memory);
    TestSubscriber.Probe<LiveUpdate> viewer = subscribe(hub);
    viewer.request(8);
    Event e = Event.simple("agent", "web-01", "connected", "connected from test");
    store.append(e).toCompletableFuture().get();
    LiveUpdate u = viewer.expectNext(WAIT);
    assertEquals("event", u.kind());
    assertEquals("web-01", u.agent());
    assertSame(e, u.event());
    assertEquals(
        List.of(e),
        store.query(new EventQuery("web-01", null, null, 0)).toCompletableFuture().get());
    assertEquals(
        List.of(e),
        memory.query(new EventQuery("web-01", null, null, 0)).toCompletableFuture().get());
    assertEquals(0, value(metrics, "fluke_event_store_errors_total"));
  }

  @Test
  void storeFailuresAreCountedAndTheEventIsStillShown() {
    LiveHub hub = hub(8, 10, 2);
    EventStore store = hub.publishing(new BrokenStore());
    TestSubscriber.Probe<LiveUpdate> viewer = subscribe(hub);
    viewer.request(8);
    Event e = Event.simple("agent", "web-01", "connected", "connected from test");
    ExecutionException appendFailed =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> store.append(e).toCompletableFuture().get());
    assertTrue(appendFailed.getCause().getMessage().contains("redis is down"));
    assertSame(e, viewer.expectNext(WAIT).event());
    org.junit.jupiter.api.Assertions.assertThrows(
        ExecutionException.class,
        () -> store.query(new EventQuery(null, null, null, 0)).toCompletableFuture().get());
    assertEquals(2, value(metrics, "fluke_event_store_errors_total"), "one append, one query");
  }

  private static List<LiveUpdate> recent(LiveHub hub, String agent) throws Exception {
    return hub.recentOutput(agent).toCompletableFuture().get();
  }

  /** A store whose backend is unreachable: appends fail asynchronously, queries throw at once. */
  private static final class BrokenStore implements EventStore {
    @Override
    public CompletionStage<Void> append(Event event) {
      return CompletableFuture.failedFuture(new IllegalStateException("redis is down"));
    }

    @Override
    public CompletionStage<List<Event>> query(EventQuery query) {
      throw new IllegalStateException("redis is down");
    }

    @Override
    public CompletionStage<Boolean> healthy() {
      return CompletableFuture.completedFuture(false);
    }
  }

  private static List<LiveUpdate> next(TestSubscriber.Probe<LiveUpdate> viewer, int n) {
    List<LiveUpdate> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(viewer.expectNext(WAIT));
    }
    return got;
  }
}

package dev.fluke.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.EventStore;
import dev.fluke.events.MemoryEventStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keeper of suspensions: who/why events, expiry by the clock, persistence in a durable store
 * and restore (failing closed while the store cannot be read). Time is manual.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SuspensionKeeperTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  /** A memory store that keeps state like Redis would, and can be made to fail. */
  static final class DurableStore implements EventStore {
    final MemoryEventStore events = new MemoryEventStore(100, 100, 100);
    final Map<String, String> kept = new ConcurrentHashMap<>();
    final AtomicBoolean down = new AtomicBoolean();

    @Override
    public CompletionStage<Void> append(Event event) {
      return events.append(event);
    }

    @Override
    public CompletionStage<List<Event>> query(EventQuery query) {
      return events.query(query);
    }

    @Override
    public CompletionStage<Boolean> healthy() {
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public boolean durableState() {
      return true;
    }

    @Override
    public CompletionStage<Void> saveState(String name, String value) {
      kept.put(name, value);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<String>> loadState(String name) {
      return down.get()
          ? CompletableFuture.failedFuture(new IllegalStateException("redis is down"))
          : CompletableFuture.completedFuture(Optional.ofNullable(kept.get(name)));
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private TestTime time;
  private ServerSettings settings;
  private TestProbe<AgentRegistry.Command> agents;

  @BeforeEach
  void setUp() {
    time = TestTime.of(testKit.system());
    settings = ServerFixture.settings(dir, null).withClock(time.clock());
    agents = testKit.createTestProbe();
  }

  private Suspension.Change suspend(
      ActorRef<SuspensionKeeper.Command> keeper,
      TargetKind scope,
      String name,
      Duration forHowLong) {
    TestProbe<Suspension.Change> reply = testKit.createTestProbe();
    keeper.tell(
        new SuspensionKeeper.Suspend(
            scope, name, "alice", "db migration", forHowLong, reply.ref()));
    return reply.receiveMessage();
  }

  private Suspension.Change resume(
      ActorRef<SuspensionKeeper.Command> keeper, TargetKind scope, String name) {
    TestProbe<Suspension.Change> reply = testKit.createTestProbe();
    keeper.tell(new SuspensionKeeper.Resume(scope, name, "bob", reply.ref()));
    return reply.receiveMessage();
  }

  private static List<Event> suspensionEvents(MemoryEventStore store) {
    return store.query(new EventQuery(null, null, null, 100)).toCompletableFuture().join().stream()
        .filter(e -> e.kind().equals("suspension"))
        .toList();
  }

  @Test
  void suspendAndResumeEachScopeWithWhoAndWhy() {
    MemoryEventStore store = new MemoryEventStore(100, 100, 100);
    Suspensions registry = new Suspensions();
    ActorRef<SuspensionKeeper.Command> keeper =
        testKit.spawn(SuspensionKeeper.create(settings, registry, store, agents.ref()));
    Suspension.Change task = suspend(keeper, TargetKind.TASK, "app", null);
    assertTrue(task.done());
    assertEquals("alice", task.suspension().by());
    assertTrue(registry.blocking("web-01", "app", time.clock().instant()).contains("db migration"));
    assertNull(registry.blocking("web-01", "other", time.clock().instant()));
    suspend(keeper, TargetKind.AGENT, "web-02", null);
    assertTrue(registry.blocking("web-02", "other", time.clock().instant()) != null);
    suspend(keeper, TargetKind.ALL, null, null);
    assertTrue(
        registry
            .blocking("web-03", "x", time.clock().instant())
            .startsWith("the fleet is suspended"));
    assertEquals(3, registry.all(time.clock().instant()).size());

    assertTrue(resume(keeper, TargetKind.ALL, null).done());
    agents.expectMessage(new AgentRegistry.SuspensionLifted(TargetKind.ALL, null));
    Suspension.Change again = resume(keeper, TargetKind.ALL, null);
    assertFalse(again.done());
    assertEquals("the fleet is not suspended", again.message());

    List<Event> events = suspensionEvents(store);
    assertEquals(
        List.of("resumed", "suspended", "suspended", "suspended"),
        events.stream().map(Event::outcome).toList());
    assertEquals("app", events.get(3).task());
    assertEquals("web-02", events.get(2).agent());
    assertTrue(events.get(0).message().contains("resumed by bob"), events.get(0).message());
  }

  @Test
  void aSuspensionWithAnExpiryEndsByItselfWhenTheClockGetsThere() {
    MemoryEventStore store = new MemoryEventStore(100, 100, 100);
    Suspensions registry = new Suspensions();
    ActorRef<SuspensionKeeper.Command> keeper =
        testKit.spawn(SuspensionKeeper.create(settings, registry, store, agents.ref()));
    Suspension made = suspend(keeper, TargetKind.AGENT, "web-01", Duration.ofHours(2)).suspension();
    assertEquals(made.since().plus(Duration.ofHours(2)), made.until());
    time.timePasses(Duration.ofMinutes(119));
    agents.expectNoMessage(Duration.ofMillis(100));
    assertTrue(registry.blocking("web-01", "app", time.clock().instant()) != null);
    time.timePasses(Duration.ofMinutes(1));
    agents.expectMessage(new AgentRegistry.SuspensionLifted(TargetKind.AGENT, "web-01"));
    assertNull(registry.blocking("web-01", "app", time.clock().instant()));
    assertEquals("expired", suspensionEvents(store).get(0).outcome());
  }

  @Test
  void aDurableStoreKeepsSuspensionsAcrossARestart() {
    DurableStore store = new DurableStore();
    ActorRef<SuspensionKeeper.Command> first =
        testKit.spawn(SuspensionKeeper.create(settings, new Suspensions(), store, agents.ref()));
    suspend(first, TargetKind.TASK, "app", Duration.ofHours(1));
    suspend(first, TargetKind.ALL, null, null);
    resume(first, TargetKind.ALL, null);
    testKit.stop(first);

    // The next server: fail closed while the store is down, then restore what was kept.
    store.down.set(true);
    Suspensions registry = new Suspensions();
    ActorRef<SuspensionKeeper.Command> second =
        testKit.spawn(SuspensionKeeper.create(settings, registry, store, agents.ref()));
    assertEquals(
        Suspensions.RESTORING, registry.blocking("web-01", "other", time.clock().instant()));
    store.down.set(false);
    time.timePasses(settings.supervision().restartMax());
    TestProbe<List<Suspension>> all = testKit.createTestProbe();
    second.tell(new SuspensionKeeper.GetAll(all.ref()));
    List<Suspension> restored = all.receiveMessage();
    assertEquals(1, restored.size());
    assertEquals("app", restored.get(0).name());
    assertEquals("alice", restored.get(0).by());
    assertNull(registry.blocking("web-01", "other", time.clock().instant()));
    assertTrue(registry.blocking("web-01", "app", time.clock().instant()) != null);
  }

  /** The other cluster nodes as a keeper sees them: they fail to answer until the test says. */
  static final class Peers implements SuspensionPeers {
    final AtomicReference<List<SuspensionBook>> answer = new AtomicReference<>();
    final AtomicInteger asked = new AtomicInteger();
    final AtomicReference<ActorRef<SuspensionKeeper.Command>> announced = new AtomicReference<>();

    @Override
    public void announce(ActorRef<SuspensionKeeper.Command> keeper) {
      announced.set(keeper);
    }

    @Override
    public CompletionStage<List<SuspensionBook>> books() {
      asked.incrementAndGet();
      List<SuspensionBook> books = answer.get();
      return books == null
          ? CompletableFuture.failedFuture(new IllegalStateException("node 2 did not answer"))
          : CompletableFuture.completedFuture(books);
    }
  }

  private SuspensionBook bookOf(ActorRef<SuspensionKeeper.Command> keeper) {
    TestProbe<SuspensionBook> reply = testKit.createTestProbe();
    keeper.tell(new SuspensionKeeper.GetBook(reply.ref()));
    return reply.receiveMessage();
  }

  @Test
  void aClusterNodeAppliesNothingUntilEveryPeerAnsweredThenHoldsWhatTheyHold() {
    Peers peers = new Peers();
    Suspensions registry = new Suspensions();
    ActorRef<SuspensionKeeper.Command> keeper =
        testKit.spawn(
            SuspensionKeeper.create(
                settings, registry, new MemoryEventStore(100, 100, 100), agents.ref(), peers));
    await().atMost(WAIT).until(() -> peers.asked.get() >= 1);
    assertEquals(keeper, peers.announced.get());
    Instant now = time.clock().instant();
    assertEquals(Suspensions.LEARNING, registry.blocking("web-01", "app", now));
    assertTrue(bookOf(keeper).loaded(), "its own store is read: its answer counts for others");

    // Another node holds an agent's suspension (with its expiry): adopted once all answered.
    Suspension held =
        new Suspension(
            TargetKind.AGENT, "web-01", "alice", "disk swap", now, now.plus(Duration.ofHours(1)));
    peers.answer.set(List.of(new SuspensionBook(List.of(held), List.of(), true)));
    time.timePasses(Duration.ofSeconds(5));
    await().atMost(WAIT).until(registry::restored);
    assertTrue(peers.asked.get() >= 2, "asked again after the failure");
    assertTrue(
        registry.blocking("web-01", "app", now).startsWith("agent web-01 is suspended by alice"));
    assertNull(registry.blocking("web-02", "app", now));
    TestProbe<List<Suspension>> all = testKit.createTestProbe();
    keeper.tell(new SuspensionKeeper.GetAll(all.ref()));
    assertEquals(List.of(held), all.receiveMessage());
    // The agent held back meanwhile (web-01, asked above) checks again, once; the adopted
    // suspension keeps its expiry.
    agents.expectMessage(new AgentRegistry.SuspensionLifted(TargetKind.AGENT, "web-01"));
    agents.expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofHours(1));
    agents.expectMessage(new AgentRegistry.SuspensionLifted(TargetKind.AGENT, "web-01"));
  }

  @Test
  void aResumeMadeWhileANodeWasAwayDoesNotComeBackFromItsOwnStore() {
    DurableStore store = new DurableStore();
    ActorRef<SuspensionKeeper.Command> before =
        testKit.spawn(SuspensionKeeper.create(settings, new Suspensions(), store, agents.ref()));
    suspend(before, TargetKind.TASK, "app", null);
    suspend(before, TargetKind.TASK, "db", null);
    testKit.stop(before);

    // Meanwhile another node resumed task app (and remembers when).
    time.timePasses(Duration.ofMinutes(1));
    Instant resumedAt = time.clock().instant();
    Peers peers = new Peers();
    peers.answer.set(
        List.of(
            new SuspensionBook(
                List.of(), List.of(new SuspensionBook.Lift("task:app", resumedAt)), true)));
    Suspensions registry = new Suspensions();
    ActorRef<SuspensionKeeper.Command> after =
        testKit.spawn(SuspensionKeeper.create(settings, registry, store, agents.ref(), peers));
    await().atMost(WAIT).until(registry::restored);
    Instant now = time.clock().instant();
    assertNull(registry.blocking("web-01", "app", now));
    assertTrue(registry.blocking("web-01", "db", now) != null);
    String held = store.kept.get(SuspensionStore.STATE_NAME);
    assertFalse(held.contains("\"app\""), held);
    assertTrue(store.kept.get(SuspensionStore.LIFTS_NAME).contains("task:app"), "the lift is kept");

    // It passes the lift on, and its own resumes too, newest first.
    time.timePasses(Duration.ofMinutes(1));
    resume(after, TargetKind.TASK, "db");
    SuspensionBook book = bookOf(after);
    assertEquals(List.of(), book.suspensions());
    assertEquals(
        List.of("task:db", "task:app"),
        book.lifts().stream().map(SuspensionBook.Lift::key).toList());
  }

  @Test
  void aNodeThatHasNotReadItsStoreAnswersThatItsBookDoesNotCount() {
    DurableStore store = new DurableStore();
    store.down.set(true);
    Suspensions registry = new Suspensions();
    ActorRef<SuspensionKeeper.Command> keeper =
        testKit.spawn(
            SuspensionKeeper.create(settings, registry, store, agents.ref(), new Peers()));
    assertFalse(bookOf(keeper).loaded());
    assertEquals(Suspensions.RESTORING, registry.blocking("web-01", "app", time.clock().instant()));
  }

  @Test
  void theMemoryStoreKeepsNothing() {
    MemoryEventStore store = new MemoryEventStore(100, 100, 100);
    assertFalse(store.durableState());
    assertTrue(store.loadState("suspensions").toCompletableFuture().join().isEmpty());
  }
}

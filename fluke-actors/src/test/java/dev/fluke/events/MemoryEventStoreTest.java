package dev.fluke.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryEventStoreTest {

  private static Event event(String agent, String task, String outcome, int n) {
    return new Event(Instant.now(), "check", agent, task, "", outcome, 0, 1, "", "event " + n);
  }

  private static List<String> messages(List<Event> events) {
    return events.stream().map(Event::message).toList();
  }

  private static List<Event> query(MemoryEventStore store, EventQuery q) {
    return store.query(q).toCompletableFuture().join();
  }

  @Test
  void eachAgentKeepsOnlyItsNewestEvents() {
    MemoryEventStore store = new MemoryEventStore(3, 2, 10);
    for (int i = 1; i <= 5; i++) {
      store.append(event("web-01", "app", "satisfied", i));
    }
    store.append(event("web-02", "app", "satisfied", 6));
    assertEquals(
        List.of("event 5", "event 4", "event 3"),
        messages(query(store, new EventQuery("web-01", null, null, 10))));
    assertEquals(4, store.size());
  }

  @Test
  void serverWideEventsHaveTheirOwnRing() {
    MemoryEventStore store = new MemoryEventStore(3, 2, 10);
    store.append(event("web-01", "app", "satisfied", 1));
    for (int i = 2; i <= 4; i++) {
      store.append(event("", "", "loaded", i));
    }
    assertEquals(
        List.of("event 4", "event 3", "event 1"), messages(query(store, EventQuery.latest(10))));
    assertEquals(
        List.of("event 4", "event 3"),
        messages(query(store, new EventQuery(null, null, "loaded", 0))));
  }

  @Test
  void queriesAreNewestFirstAcrossAgentsAndApplyFiltersAndLimit() {
    MemoryEventStore store = new MemoryEventStore(100, 10, 10);
    store.append(event("a", "app", "drifted", 1));
    store.append(event("b", "db", "satisfied", 2));
    store.append(event("a", "db", "drifted", 3));
    store.append(event("c", "app", "drifted", 4));
    store.append(event("b", "app", "applied", 5));
    assertEquals(
        List.of("event 5", "event 4", "event 3", "event 2", "event 1"),
        messages(query(store, EventQuery.latest(0))));
    assertEquals(List.of("event 5", "event 4"), messages(query(store, EventQuery.latest(2))));
    assertEquals(
        List.of("event 4", "event 3", "event 1"),
        messages(query(store, new EventQuery(null, null, "drifted", 10))));
    assertEquals(
        List.of("event 5", "event 4", "event 1"),
        messages(query(store, new EventQuery("", "app", "", 10))));
    assertEquals(
        List.of("event 3"), messages(query(store, new EventQuery("a", "db", "drifted", 10))));
    assertTrue(query(store, new EventQuery("nobody", null, null, 10)).isEmpty());
  }

  @Test
  void agentWithTheOldestEventsIsDroppedBeyondTheAgentBound() {
    MemoryEventStore store = new MemoryEventStore(5, 5, 2);
    store.append(event("a", "t", "x", 1));
    store.append(event("b", "t", "x", 2));
    store.append(event("a", "t", "x", 3)); // a is now fresher than b
    store.append(event("c", "t", "x", 4));
    assertTrue(query(store, new EventQuery("b", null, null, 0)).isEmpty());
    assertEquals(
        List.of("event 3", "event 1"), messages(query(store, new EventQuery("a", null, null, 0))));
    assertEquals(1, query(store, new EventQuery("c", null, null, 0)).size());
  }

  @Test
  void concurrentAppendsStayWithinTheBounds() throws Exception {
    MemoryEventStore store = new MemoryEventStore(50, 10, 100);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 2000; i++) {
                  store.append(event("agent-" + (i % 8), "t", "x", thread * 10000 + i));
                  if (i % 100 == 0) {
                    store.query(EventQuery.latest(20));
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (var f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(8 * 50, store.size());
    for (int a = 0; a < 8; a++) {
      assertEquals(50, query(store, new EventQuery("agent-" + a, null, null, 0)).size());
    }
  }

  @Test
  void boundsMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new MemoryEventStore(0, 1, 1));
  }
}

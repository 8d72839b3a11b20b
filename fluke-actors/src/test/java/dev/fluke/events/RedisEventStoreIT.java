package dev.fluke.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RedisEventStore} against a real {@code redis-server} child process on loopback. */
class RedisEventStoreIT {
  private static final Duration TTL = Duration.ofHours(1);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
  // recent, so the TTL keeps the test events; whole seconds, so events built twice are equal
  private static final Instant T0 =
      Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  @TempDir Path dir;

  private RedisServerProcess redis;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServerProcess.start(dir);
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    redis.close();
  }

  @Test
  void appendedEventComesBackWithEveryField() throws Exception {
    RedisEventStore store = store("fluke", 100);
    Instant time = Instant.now().plusNanos(123_456);
    Event event =
        new Event(
            time,
            "apply",
            "web-01",
            "deploy_app",
            "shell \"main\"",
            "failed",
            2,
            1234L,
            "line 1\nline 2 ü ✓ \"quoted\"",
            "apply exited 2");

    await(store.append(event));

    assertEquals(List.of(event), await(store.query(EventQuery.latest(10))));
    assertEquals(List.of(event), await(store.query(new EventQuery("web-01", "", "", 10))));
  }

  @Test
  void queriesFilterByAgentTaskAndOutcome() throws Exception {
    RedisEventStore store = store("fluke", 100);
    Event a = event(1, "web-01", "deploy", "drifted");
    Event b = event(2, "web-01", "nginx", "satisfied");
    Event c = event(3, "web-02", "deploy", "satisfied");
    Event d = event(4, "web-02", "deploy", "drifted");
    appendAll(store, a, b, c, d);

    assertEquals(List.of(b, a), await(store.query(new EventQuery("web-01", null, null, 10))));
    assertEquals(List.of(d, c, a), await(store.query(new EventQuery(null, "deploy", null, 10))));
    assertEquals(List.of(d, a), await(store.query(new EventQuery("", "", "drifted", 10))));
    assertEquals(List.of(d), await(store.query(new EventQuery("web-02", "deploy", "drifted", 10))));
    assertEquals(List.of(), await(store.query(new EventQuery("web-03", null, null, 10))));
  }

  @Test
  void newestFirstByEventTimeAcrossAgentsAndServerEvents() throws Exception {
    RedisEventStore store = store("fluke", 100);
    Event newest = event(30, "web-02", "deploy", "applied");
    Event server =
        new Event(T0.plusSeconds(20), "manifest", "", "", "", "loaded", -1, 0, "", "commit abc");
    Event oldest = event(10, "web-01", "deploy", "drifted");
    // appended out of time order: the answer is still ordered by event time
    appendAll(store, newest, oldest, server);

    assertEquals(List.of(newest, server, oldest), await(store.query(EventQuery.latest(10))));
  }

  @Test
  void eventsWithTheSameTimestampAreAllKeptInAppendOrder() throws Exception {
    RedisEventStore store = store("fluke", 100);
    Event first = event(5, "web-01", "deploy", "drifted");
    Event second = event(5, "web-01", "deploy", "applied");
    appendAll(store, first, first, second);

    assertEquals(List.of(second, first, first), await(store.query(EventQuery.latest(10))));
    assertEquals(
        List.of(second, first, first),
        await(store.query(new EventQuery("web-01", null, null, 10))));
  }

  @Test
  void limitBoundsTheAnswer() throws Exception {
    RedisEventStore store = store("fluke", 100);
    for (int i = 0; i < 6; i++) {
      await(store.append(event(i, i % 2 == 0 ? "web-01" : "web-02", "deploy", "satisfied")));
    }

    List<Event> two = await(store.query(EventQuery.latest(2)));
    assertEquals(
        List.of(
            event(5, "web-02", "deploy", "satisfied"), event(4, "web-01", "deploy", "satisfied")),
        two);
    assertEquals(3, await(store.query(new EventQuery(null, "deploy", null, 3))).size());
    assertEquals(List.of(), await(store.query(EventQuery.latest(0))));
  }

  @Test
  void eachAgentKeepsOnlyItsNewestEvents() throws Exception {
    RedisEventStore store = store("fluke", 3);
    for (int i = 1; i <= 5; i++) {
      await(store.append(event(i, "web-01", "deploy", "satisfied")));
    }
    await(store.append(event(0, "web-02", "deploy", "satisfied")));

    assertEquals(
        List.of(
            event(5, "web-01", "deploy", "satisfied"),
            event(4, "web-01", "deploy", "satisfied"),
            event(3, "web-01", "deploy", "satisfied")),
        await(store.query(new EventQuery("web-01", null, null, 10))));
    assertEquals(4, await(store.query(EventQuery.latest(10))).size());
    try (Inspector redisCli = inspector()) {
      assertEquals(3L, redisCli.commands.zcard("fluke:events:agent:web-01"));
      assertEquals(1L, redisCli.commands.zcard("fluke:events:agent:web-02"));
    }
  }

  @Test
  void everyKeyGetsTheTtl() throws Exception {
    RedisEventStore store = store("fluke", 100);
    await(store.append(event(1, "web-01", "deploy", "drifted")));
    await(store.append(Event.simple("alert", "", "sent", "drift_detected")));

    try (Inspector redisCli = inspector()) {
      List<String> keys = redisCli.commands.keys("fluke:*");
      assertEquals(
          List.of(
              "fluke:events:agent:web-01",
              "fluke:events:index",
              "fluke:events:seq",
              "fluke:events:server"),
          keys.stream().sorted().toList());
      for (String key : keys) {
        long pttl = redisCli.commands.pttl(key);
        assertTrue(pttl > 0 && pttl <= TTL.toMillis(), key + " has PTTL " + pttl);
      }
    }
  }

  @Test
  void historyExpiresByRedisTtl() throws Exception {
    RedisEventStore store = connect("fluke", Duration.ofMillis(300), 100);
    await(store.append(Event.simple("agent", "web-01", "connected", "hello")));

    try (Inspector redisCli = inspector()) {
      eventually(() -> redisCli.commands.keys("fluke:*").isEmpty());
    }
    assertEquals(List.of(), await(store.query(EventQuery.latest(10))));
  }

  @Test
  void eventsOlderThanTheTtlAreDropped() throws Exception {
    RedisEventStore store = store("fluke", 100);
    Event stale =
        new Event(
            Instant.now().minus(TTL).minusSeconds(60),
            "check",
            "web-01",
            "deploy",
            "",
            "drifted",
            1,
            0,
            "",
            "too old");
    Event fresh = Event.simple("check", "web-01", "satisfied", "fine");
    appendAll(store, stale, fresh);

    assertEquals(List.of(fresh), await(store.query(EventQuery.latest(10))));
    try (Inspector redisCli = inspector()) {
      assertEquals(1L, redisCli.commands.zcard("fluke:events:agent:web-01"));
    }
  }

  @Test
  void historySurvivesANewStoreAndPrefixesKeepInstallationsApart() throws Exception {
    RedisEventStore first = store("fluke", 100);
    Event a = event(1, "web-01", "deploy", "applied");
    Event b = event(2, "web-02", "deploy", "applied");
    appendAll(first, a, b);
    first.close();

    RedisEventStore restarted = store("fluke", 100);
    assertEquals(List.of(b, a), await(restarted.query(EventQuery.latest(10))));
    Event c = event(3, "web-01", "deploy", "satisfied");
    await(restarted.append(c));
    assertEquals(List.of(c, a), await(restarted.query(new EventQuery("web-01", null, null, 10))));

    RedisEventStore other = store("staging", 100);
    assertEquals(List.of(), await(other.query(EventQuery.latest(10))));
  }

  @Test
  void concurrentAppendsAreAllStored() throws Exception {
    RedisEventStore store = store("fluke", 1000);
    List<CompletableFuture<Void>> appends = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      // many with the same timestamp, from two "servers" sharing the Redis
      appends.add(
          store
              .append(event(i % 7, "web-0" + (i % 3), "deploy", "satisfied"))
              .toCompletableFuture());
    }
    CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertEquals(200, await(store.query(EventQuery.latest(1000))).size());
  }

  @Test
  void healthyFollowsRedis() throws Exception {
    RedisEventStore store = store("fluke", 100);
    assertTrue(await(store.healthy()));

    redis.stop();
    assertFalse(await(store.healthy()));

    redis.start();
    eventually(() -> await(store.healthy()));
  }

  @Test
  void appendWhileRedisIsDownFailsAndWorksAgainAfterRestart() throws Exception {
    RedisEventStore store = store("fluke", 100);
    await(store.append(event(1, "web-01", "deploy", "satisfied")));

    redis.stop();
    ExecutionException failure =
        assertThrows(
            ExecutionException.class,
            () -> await(store.append(event(2, "web-01", "deploy", "drifted"))));
    assertInstanceOf(RuntimeException.class, failure.getCause());
    assertThrows(ExecutionException.class, () -> await(store.query(EventQuery.latest(10))));

    redis.start(); // no persistence: the restarted Redis starts empty
    Event afterRestart = event(3, "web-01", "deploy", "applied");
    eventually(() -> succeeds(store.append(afterRestart)));
    assertEquals(List.of(afterRestart), await(store.query(EventQuery.latest(10))));
  }

  @Test
  void storeStartedWhileRedisIsDownConnectsWhenItComesUp() throws Exception {
    redis.stop();
    RedisEventStore store = store("fluke", 100);
    assertThrows(
        ExecutionException.class,
        () -> await(store.append(event(1, "web-01", "deploy", "drifted"))));
    assertFalse(await(store.healthy()));

    redis.start();
    Event event = event(2, "web-01", "deploy", "applied");
    eventually(() -> succeeds(store.append(event)));
    assertEquals(List.of(event), await(store.query(EventQuery.latest(10))));
    assertTrue(await(store.healthy()));
  }

  @Test
  void closedStoreFailsInsteadOfThrowing() throws Exception {
    RedisEventStore store = store("fluke", 100);
    store.close();
    store.close();

    assertThrows(
        ExecutionException.class,
        () -> await(store.append(event(1, "web-01", "deploy", "drifted"))));
    assertFalse(await(store.healthy()));
  }

  @Test
  void invalidEventOrQueryFailsTheStage() throws Exception {
    RedisEventStore store = store("fluke", 100);
    Event timeless = new Event(null, "check", "web-01", "", "", "drifted", -1, 0, "", "");

    assertThrows(ExecutionException.class, () -> await(store.append(timeless)));
    assertThrows(ExecutionException.class, () -> await(store.append(null)));
    assertThrows(ExecutionException.class, () -> await(store.query(null)));
  }

  @Test
  void invalidSettingsAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> RedisEventStore.connect("http://x", "fluke", TTL, 10));
    assertThrows(
        IllegalArgumentException.class, () -> RedisEventStore.connect("", "fluke", TTL, 10));
    assertThrows(
        IllegalArgumentException.class, () -> RedisEventStore.connect(redis.url(), " ", TTL, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> RedisEventStore.connect(redis.url(), "f", Duration.ZERO, 10));
    assertThrows(
        IllegalArgumentException.class, () -> RedisEventStore.connect(redis.url(), "f", TTL, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> RedisEventStore.connect(redis.url(), "f", TTL, 10, Duration.ZERO));
  }

  // --- helpers

  private RedisEventStore store(String prefix, int maxEventsPerAgent) {
    return connect(prefix, TTL, maxEventsPerAgent);
  }

  private RedisEventStore connect(String prefix, Duration ttl, int maxEventsPerAgent) {
    RedisEventStore store =
        RedisEventStore.connect(redis.url(), prefix, ttl, maxEventsPerAgent, COMMAND_TIMEOUT);
    toClose.add(store);
    return store;
  }

  /** An event at T0 plus {@code second}; equal arguments give equal events. */
  private static Event event(int second, String agent, String task, String outcome) {
    return new Event(
        T0.plusSeconds(second), "check", agent, task, "shell \"main\"", outcome, 0, 10, "", "");
  }

  private static void appendAll(EventStore store, Event... events) throws Exception {
    for (Event e : events) {
      await(store.append(e));
    }
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    // generous bound: the store's own timeouts end every stage well before this
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static boolean succeeds(CompletionStage<?> stage) {
    try {
      await(stage);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** Waits until the condition holds, failing after a bound that only a broken store reaches. */
  private static void eventually(Callable<Boolean> condition) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(condition);
  }

  private Inspector inspector() {
    return new Inspector(redis.url());
  }

  /** A plain synchronous client to look at what the store wrote (tests may block). */
  private static final class Inspector implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    final RedisCommands<String, String> commands;

    Inspector(String url) {
      client = RedisClient.create(url);
      connection = client.connect();
      commands = connection.sync();
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }
}

package dev.fluke.events;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis event store (SPEC §3 {@code event_store { backend = "redis" }}, §5): event history that
 * survives server restarts, is shared by every server using the same Redis and prefix, and expires
 * by Redis TTL. Layout, TTL and failure behaviour are described in {@code docs/event-store.md}.
 *
 * <p>Everything goes through Lettuce's asynchronous API on one shared, auto-reconnecting
 * connection: no method blocks its caller (actors call {@link #append}); every stage completes on
 * Lettuce's computation threads, and within a bounded time because each command has a timeout and
 * commands are rejected at once while the connection is down. A write is one Lua script, so it is
 * atomic even when several servers write to the same Redis.
 */
public final class RedisEventStore implements EventStore {
  /** Command timeout of {@link #connect(String, String, Duration, int)}. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(RedisEventStore.class);

  // After a lost connection Lettuce reconnects on its own: first attempts come quickly so a
  // restarted Redis is used again within a second or two, and the cap keeps a long outage cheap.
  private static final Delay RECONNECT_DELAY =
      Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS);
  // Lettuce does not retry a first connection that never succeeded; we do, on demand, at most
  // this often, so a burst of appends while Redis is down does not become a burst of connects.
  private static final Duration CONNECT_RETRY_INTERVAL = Duration.ofSeconds(1);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Appends one event atomically. KEYS: events key, index, sequence. ARGV: 1 score (epoch micros),
   * 2 event JSON, 3 last rank to trim (-(max+1)), 4 TTL millis, 5 exclusive score cutoff for
   * expired events, 6 now (epoch millis), 7 exclusive index cutoff for silent keys. Every number
   * arrives as a string from Java: Lua would print large ones in exponent notation.
   */
  private static final String APPEND_SCRIPT =
      """
      local seq = redis.call('INCR', KEYS[3])
      redis.call('ZADD', KEYS[1], ARGV[1], string.format('%020d', seq) .. ':' .. ARGV[2])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5])
      redis.call('ZREMRANGEBYRANK', KEYS[1], 0, ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[4])
      redis.call('ZADD', KEYS[2], ARGV[6], KEYS[1])
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
      redis.call('PEXPIRE', KEYS[2], ARGV[4])
      redis.call('PEXPIRE', KEYS[3], ARGV[4])
      return seq
      """;

  private static final Comparator<ScoredValue<String>> NEWEST_FIRST =
      Comparator.<ScoredValue<String>>comparingDouble(ScoredValue::getScore)
          .thenComparing(ScoredValue::getValue)
          .reversed();

  private final RedisEventKeys keys;
  private final RedisEventCodec codec = new RedisEventCodec();
  private final long ttlMillis;
  private final long ttlMicros;
  private final int maxEventsPerAgent;
  private final Duration commandTimeout;
  private final RedisURI uri;
  private final ClientResources resources;
  private final RedisClient client;
  private final Executor completions;
  private final String appendSha;
  private final AtomicReference<ConnectAttempt> connection = new AtomicReference<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private record ConnectAttempt(
      CompletableFuture<StatefulRedisConnection<String, String>> future, long startedNanos) {}

  /**
   * Starts a store on {@code url} with {@link #DEFAULT_COMMAND_TIMEOUT}; see {@link
   * #connect(String, String, Duration, int, Duration)}.
   */
  public static RedisEventStore connect(
      String url, String prefix, Duration ttl, int maxEventsPerAgent) {
    return connect(url, prefix, ttl, maxEventsPerAgent, DEFAULT_COMMAND_TIMEOUT);
  }

  /**
   * Starts a store and begins connecting in the background; returns at once, also when Redis is
   * down (operations then fail until it is reachable). Close it to shut the client down.
   *
   * @param url {@code redis://[:password@]host[:port][/db]} or {@code rediss://…} for TLS
   * @param prefix first part of every key, so several Fluke installations can share one Redis
   * @param ttl how long history lives: every key's TTL is set to this on each write, and events
   *     older than this are dropped
   * @param maxEventsPerAgent how many events are kept per agent (and for server-wide events)
   * @param commandTimeout bound of every Redis command and of connecting
   * @throws IllegalArgumentException when an argument is invalid (bad URL, empty prefix, …)
   */
  public static RedisEventStore connect(
      String url, String prefix, Duration ttl, int maxEventsPerAgent, Duration commandTimeout) {
    return new RedisEventStore(url, prefix, ttl, maxEventsPerAgent, commandTimeout);
  }

  private RedisEventStore(
      String url, String prefix, Duration ttl, int maxEventsPerAgent, Duration commandTimeout) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("event store redis url must not be empty");
    }
    if (ttl == null || ttl.toMillis() < 1) {
      throw new IllegalArgumentException("event store redis ttl must be at least 1ms, got " + ttl);
    }
    if (maxEventsPerAgent < 1) {
      throw new IllegalArgumentException(
          "max events per agent must be at least 1, got " + maxEventsPerAgent);
    }
    if (commandTimeout == null || commandTimeout.toMillis() < 1) {
      throw new IllegalArgumentException(
          "redis command timeout must be at least 1ms, got " + commandTimeout);
    }
    this.keys = new RedisEventKeys(prefix);
    try {
      this.ttlMillis = ttl.toMillis();
      this.ttlMicros = Math.multiplyExact(ttlMillis, 1_000L);
      this.uri = RedisURI.create(url);
    } catch (ArithmeticException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid event store redis settings: " + e.getMessage(), e);
    }
    this.maxEventsPerAgent = maxEventsPerAgent;
    this.commandTimeout = commandTimeout;
    uri.setTimeout(commandTimeout);
    this.resources =
        DefaultClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(RECONNECT_DELAY)
            .build();
    this.client = RedisClient.create(resources);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            // fail fast while disconnected instead of queueing appends until Redis returns
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
            .build());
    Executor computation = resources.eventExecutorGroup();
    // After close() the pool rejects work; finishing the last stages inline beats leaving them
    // hanging.
    this.completions =
        task -> {
          try {
            computation.execute(task);
          } catch (RejectedExecutionException e) {
            task.run();
          }
        };
    this.appendSha = sha1Hex(APPEND_SCRIPT);
    ConnectAttempt first = new ConnectAttempt(new CompletableFuture<>(), System.nanoTime());
    connection.set(first);
    startConnect(first.future());
  }

  @Override
  public CompletionStage<Void> append(Event event) {
    try {
      if (event == null || event.time() == null) {
        throw new IllegalArgumentException("an event needs a time");
      }
      long nowMillis = System.currentTimeMillis();
      long nowMicros = Math.multiplyExact(nowMillis, 1_000L);
      String[] scriptKeys = {keys.events(event.agent()), keys.index(), keys.sequence()};
      String[] args = {
        Long.toString(RedisEventCodec.score(event.time())),
        codec.toJson(event),
        Long.toString(-(maxEventsPerAgent + 1L)),
        Long.toString(ttlMillis),
        "(" + (nowMicros - ttlMicros),
        Long.toString(nowMillis),
        "(" + (nowMillis - ttlMillis)
      };
      return commands()
          .thenCompose(c -> runAppend(c, scriptKeys, args))
          .thenApplyAsync(sequence -> (Void) null, completions);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<List<Event>> query(EventQuery query) {
    try {
      if (query == null) {
        throw new IllegalArgumentException("query must not be null");
      }
      if (query.limit() <= 0) {
        return CompletableFuture.completedFuture(List.of());
      }
      long nowMillis = System.currentTimeMillis();
      Range<Long> alive =
          Range.from(
              Range.Boundary.including(Math.multiplyExact(nowMillis, 1_000L) - ttlMicros),
              Range.Boundary.unbounded());
      // With a task or outcome filter the newest `limit` entries may not match: read all kept ones.
      boolean filtered = hasText(query.task()) || hasText(query.outcome());
      Limit perKey =
          Limit.create(0, filtered ? Math.max(maxEventsPerAgent, query.limit()) : query.limit());
      return commands()
          .thenCompose(
              c ->
                  hasText(query.agent())
                      ? c.zrevrangebyscoreWithScores(keys.events(query.agent()), alive, perKey)
                      : readAcrossAgents(c, alive, perKey, nowMillis))
          .thenApplyAsync(entries -> newestMatching(entries, query), completions);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public boolean durableState() {
    return true;
  }

  /** Every node configured with the same Redis and prefix reads the same history. */
  @Override
  public boolean shared() {
    return true;
  }

  /** SET without expiry: state lives until it is replaced. */
  @Override
  public CompletionStage<Void> saveState(String name, String value) {
    try {
      return commands()
          .thenCompose(c -> c.set(keys.state(name), value))
          .thenApplyAsync(ok -> (Void) null, completions);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<java.util.Optional<String>> loadState(String name) {
    try {
      return commands()
          .thenCompose(c -> c.get(keys.state(name)))
          .thenApplyAsync(java.util.Optional::ofNullable, completions);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** PING bounded by the command timeout; false on any error. */
  @Override
  public CompletionStage<Boolean> healthy() {
    return commands()
        .thenCompose(RedisAsyncCommands::ping)
        .handle((pong, error) -> error == null && "PONG".equalsIgnoreCase(pong))
        .toCompletableFuture()
        .completeOnTimeout(false, commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Closes the connection and shuts the client and its threads down; safe to call twice. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    client.shutdown(Duration.ZERO, SHUTDOWN_TIMEOUT);
    resources
        .shutdown(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
  }

  private CompletionStage<Long> runAppend(
      RedisAsyncCommands<String, String> c, String[] scriptKeys, String[] args) {
    CompletionStage<Long> bySha = c.evalsha(appendSha, ScriptOutputType.INTEGER, scriptKeys, args);
    // The script cache is empty after a Redis restart: EVAL sends the script once and caches it.
    return bySha.exceptionallyCompose(
        error ->
            unwrap(error) instanceof RedisNoScriptException
                ? c.eval(APPEND_SCRIPT, ScriptOutputType.INTEGER, scriptKeys, args)
                : CompletableFuture.failedFuture(error));
  }

  private CompletionStage<List<ScoredValue<String>>> readAcrossAgents(
      RedisAsyncCommands<String, String> c, Range<Long> alive, Limit perKey, long nowMillis) {
    Range<Long> liveKeys =
        Range.from(Range.Boundary.including(nowMillis - ttlMillis), Range.Boundary.unbounded());
    return c.zrangebyscore(keys.index(), liveKeys)
        .thenCompose(
            eventKeys -> {
              // one command per key, pipelined on the shared connection
              List<CompletableFuture<List<ScoredValue<String>>>> reads = new ArrayList<>();
              for (String key : eventKeys) {
                reads.add(c.zrevrangebyscoreWithScores(key, alive, perKey).toCompletableFuture());
              }
              return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done -> {
                        List<ScoredValue<String>> all = new ArrayList<>();
                        reads.forEach(read -> all.addAll(read.join()));
                        return all;
                      });
            });
  }

  private List<Event> newestMatching(List<ScoredValue<String>> entries, EventQuery query) {
    List<ScoredValue<String>> sorted = new ArrayList<>(entries);
    sorted.sort(NEWEST_FIRST);
    List<Event> result = new ArrayList<>();
    int unreadable = 0;
    for (ScoredValue<String> entry : sorted) {
      if (result.size() >= query.limit()) {
        break;
      }
      Optional<Event> event =
          entry.hasValue() ? codec.fromMember(entry.getValue()) : Optional.empty();
      if (event.isEmpty()) {
        unreadable++;
      } else if (query.matches(event.get())) {
        result.add(event.get());
      }
    }
    if (unreadable > 0) {
      log.warn("Skipped {} unreadable entries under Redis prefix {}", unreadable, keys.prefix());
    }
    return List.copyOf(result);
  }

  /** The shared connection, (re)connecting first when no connection was ever established. */
  private CompletionStage<RedisAsyncCommands<String, String>> commands() {
    if (closed.get()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("redis event store is closed"));
    }
    ConnectAttempt current = connection.get();
    if (current.future().isCompletedExceptionally()
        && System.nanoTime() - current.startedNanos() >= CONNECT_RETRY_INTERVAL.toNanos()) {
      ConnectAttempt next = new ConnectAttempt(new CompletableFuture<>(), System.nanoTime());
      if (connection.compareAndSet(current, next)) {
        startConnect(next.future());
      }
      current = connection.get();
    }
    return current.future().thenApply(StatefulRedisConnection::async);
  }

  private void startConnect(CompletableFuture<StatefulRedisConnection<String, String>> target) {
    try {
      client
          .connectAsync(StringCodec.UTF8, uri)
          .whenComplete(
              (conn, error) -> {
                if (error != null && closed.get()) {
                  target.completeExceptionally(error);
                } else if (error != null) {
                  log.warn(
                      "Event store cannot reach Redis at {}: {}",
                      where(),
                      unwrap(error).toString());
                  target.completeExceptionally(error);
                } else if (closed.get()) {
                  conn.closeAsync();
                  target.completeExceptionally(
                      new IllegalStateException("redis event store is closed"));
                } else {
                  log.info("Event store connected to Redis at {}", where());
                  target.complete(conn);
                }
              });
    } catch (RuntimeException e) {
      // the client refuses to connect once shut down; never let that escape to a caller
      target.completeExceptionally(e);
    }
  }

  /** Host and port only: the URL may hold a password. */
  private String where() {
    return uri.getHost() + ":" + uri.getPort();
  }

  private static boolean hasText(String s) {
    return s != null && !s.isEmpty();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String sha1Hex(String text) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-1")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "RedisEventStore[" + where() + ", prefix=" + keys.prefix() + "]";
  }
}

package dev.fluke.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The apply results recently received from one agent, by (cycle, task), kept across its connections
 * so that a result the agent re-sends after a reconnect (because the server's {@code
 * ApplyResultAck} was lost with the old connection) is recognised as a duplicate: acknowledged
 * again, recorded once.
 *
 * <p>Owned by {@link AgentRegistry} per agent name and handed to each new {@link AgentSession} of
 * that agent; only one session of a name is live at a time. Cycle ids are unique for the life of
 * the server process, so after a server restart nothing matches and a re-sent result is recorded
 * like any other.
 *
 * <p>Cluster mode: each result received for the first time is written to the cluster's record of
 * received results ({@link #onFirst}); its acknowledgement waits for that write ({@link
 * #recorded}), so a result acknowledged by any node is known to every node the agent may move to. A
 * <em>late</em> result (its apply began on an earlier connection, perhaps with another node) not
 * received here is first looked up in that record ({@link #recordedElsewhere}): the node the agent
 * left may have recorded it and lost the acknowledgement with the connection.
 */
public final class ReceivedResults {
  private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

  private final Map<String, Boolean> seen;

  private final Map<String, CompletionStage<Void>> pending = new HashMap<>();

  /** Acknowledgements waiting for {@link #recorded} ({@link #afterRecorded}). */
  private final AtomicInteger acksInFlight = new AtomicInteger();

  private Function<String, CompletionStage<Void>> onFirst = key -> DONE;

  /** Cluster mode: did any node record the result of this key? (null: a single server) */
  private Function<String, CompletionStage<Boolean>> elsewhere;

  ReceivedResults(int capacity) {
    this.seen =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Remembers the result; false when it was received before (a duplicate). */
  boolean firstTime(long cycleId, String task) {
    String key = key(cycleId, task);
    Function<String, CompletionStage<Void>> listener;
    synchronized (this) {
      if (seen.put(key, Boolean.TRUE) != null) {
        return false;
      }
      listener = onFirst;
    }
    CompletionStage<Void> written = listener.apply(key);
    if (!written.toCompletableFuture().isDone()) {
      synchronized (this) {
        pending.put(key, written);
      }
      written.whenComplete(
          (v, e) -> {
            synchronized (this) {
              pending.remove(key);
            }
          });
    }
    return true;
  }

  /**
   * Completes once the result is recorded where it must be before it is acknowledged: at once on a
   * single server; in cluster mode when the agent directory has it.
   */
  synchronized CompletionStage<Void> recorded(long cycleId, String task) {
    return pending.getOrDefault(key(cycleId, task), DONE);
  }

  /**
   * Runs {@code ack} once the result is {@link #recorded}: at once when it is, else when the
   * cluster knows it, on the thread that learns it. Until then it counts in {@link #acksInFlight},
   * so a session that ends its stream can first let every acknowledgement out: a result recorded
   * here and never acknowledged would be re-sent to the next node and recorded there again when
   * that node's admission read the directory before this write reached it.
   */
  void afterRecorded(long cycleId, String task, Runnable ack) {
    CompletionStage<Void> recorded = recorded(cycleId, task);
    if (recorded.toCompletableFuture().isDone()) {
      ack.run();
      return;
    }
    acksInFlight.incrementAndGet();
    recorded.whenComplete(
        (v, e) -> {
          try {
            ack.run();
          } finally {
            acksInFlight.decrementAndGet();
          }
        });
  }

  /** Acknowledgements still waiting for the cluster ({@link #afterRecorded}). */
  int acksInFlight() {
    return acksInFlight.get();
  }

  /** True when a session of this agent on this node received the result {@code key}. */
  synchronized boolean has(String key) {
    return seen.containsKey(key);
  }

  /** The key of a result: {@code cycle/task}. */
  static String key(long cycleId, String task) {
    return cycleId + "/" + task;
  }

  /** The cycle id of a result {@link #key}. */
  public static long cycleOf(String key) {
    return Long.parseLong(key.substring(0, key.indexOf('/')));
  }

  /**
   * The 64-bit fingerprint of a result key, which the cluster's record of received results keeps
   * instead of the key (the first 8 bytes of its SHA-256). Two keys of one agent's last 16 results
   * sharing one is a chance of about 16 in 2^64 per result: then a new result would be taken for a
   * re-sent one.
   */
  public static long fingerprint(String key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(d, 0, 8).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * True when the result must be looked up in the cluster's record before it is handled ({@link
   * #recordedElsewhere}): cluster mode, a late result, not received here.
   */
  synchronized boolean lookUp(long cycleId, String task, boolean late) {
    return elsewhere != null && late && !seen.containsKey(key(cycleId, task));
  }

  /**
   * Cluster mode: whether another node recorded the result (a majority read of the cluster's
   * record); completes with false on a single server. A result found is remembered as received
   * here, so {@link #firstTime} then says it is a duplicate.
   */
  CompletionStage<Boolean> recordedElsewhere(long cycleId, String task) {
    Function<String, CompletionStage<Boolean>> ask;
    synchronized (this) {
      ask = elsewhere;
    }
    if (ask == null) {
      return CompletableFuture.completedFuture(false);
    }
    String key = key(cycleId, task);
    return ask.apply(key)
        .thenApply(
            found -> {
              if (found) {
                synchronized (this) {
                  seen.put(key, Boolean.TRUE);
                }
              }
              return found;
            });
  }

  /** Cluster mode: how {@link #recordedElsewhere} asks the cluster about a result key. */
  synchronized void lookUpWith(Function<String, CompletionStage<Boolean>> elsewhere) {
    this.elsewhere = elsewhere;
  }

  /**
   * Cluster mode: given each result received for the first time; the stage it returns completes
   * when the cluster knows it (never fails).
   */
  synchronized void onFirst(Function<String, CompletionStage<Void>> listener) {
    this.onFirst = listener;
  }
}

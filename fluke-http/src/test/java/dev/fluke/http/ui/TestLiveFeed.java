package dev.fluke.http.ui;

import dev.fluke.api.LiveFeed;
import dev.fluke.api.LiveUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A {@link LiveFeed} the test drives by hand: {@link #publish} sends an update to every subscriber
 * (each a bounded queue: a slow one loses updates, as the contract says), and output lines are also
 * kept per agent for {@link #recentOutput}.
 */
public final class TestLiveFeed implements LiveFeed {
  private final Map<BoundedSourceQueue<LiveUpdate>, Predicate<LiveUpdate>> subscribers =
      new ConcurrentHashMap<>();
  private final Map<String, List<LiveUpdate>> output = new ConcurrentHashMap<>();
  private final AtomicInteger opened = new AtomicInteger();

  @Override
  public Source<LiveUpdate, NotUsed> subscribe(Predicate<LiveUpdate> wanted) {
    return Source.<LiveUpdate>queue(256)
        .watchTermination(
            (queue, done) -> {
              subscribers.put(queue, wanted);
              opened.incrementAndGet();
              done.whenComplete((d, t) -> subscribers.remove(queue));
              return NotUsed.getInstance();
            });
  }

  private volatile CompletableFuture<Void> recentGate = CompletableFuture.completedFuture(null);

  @Override
  public CompletionStage<List<LiveUpdate>> recentOutput(String agent) {
    return recentGate.thenApply(
        ok -> {
          synchronized (output) {
            return List.copyOf(output.getOrDefault(agent, List.of()));
          }
        });
  }

  /**
   * Holds back answers of {@link #recentOutput} until the returned gate is completed, so a test can
   * publish a line between a viewer's subscription and its read of the buffer.
   */
  public CompletableFuture<Void> holdRecentOutput() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    recentGate = gate;
    return gate;
  }

  /**
   * Sends {@code update} to every current subscriber; output lines are also buffered for late
   * viewers.
   */
  public void publish(LiveUpdate update) {
    if (update.kind().equals("output")) {
      synchronized (output) {
        output.computeIfAbsent(update.agent(), a -> new ArrayList<>()).add(update);
      }
    }
    sendLive(update);
  }

  /**
   * Sends {@code update} to every current subscriber without buffering it: as a line printed after
   * a viewer's read of the buffer (which is then sent live, after the {@code replayed} marker).
   */
  public void sendLive(LiveUpdate update) {
    subscribers.forEach(
        (q, wanted) -> {
          if (update.isMarker() || wanted.test(update)) {
            q.offer(update);
          }
        });
  }

  /** Buffers an output line without sending it (a line printed before anyone watched). */
  public void buffer(LiveUpdate update) {
    synchronized (output) {
      output.computeIfAbsent(update.agent(), a -> new ArrayList<>()).add(update);
    }
  }

  public int subscribers() {
    return subscribers.size();
  }

  /**
   * Waits (bounded) until {@code n} subscriptions have been opened in all (a reconnect counts
   * anew).
   */
  public void awaitOpened(int n, Duration max) throws InterruptedException {
    Instant deadline = Instant.now().plus(max);
    while (opened.get() < n) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "expected " + n + " live subscription(s) opened, have " + opened.get());
      }
      Thread.sleep(20);
    }
  }

  public int opened() {
    return opened.get();
  }

  /**
   * Waits (bounded) until at least {@code n} viewers are subscribed, so a published update reaches
   * them.
   */
  public void awaitSubscribers(int n, Duration max) throws InterruptedException {
    Instant deadline = Instant.now().plus(max);
    while (subscribers.size() < n) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "expected " + n + " live subscriber(s), have " + subscribers.size());
      }
      Thread.sleep(20);
    }
  }
}

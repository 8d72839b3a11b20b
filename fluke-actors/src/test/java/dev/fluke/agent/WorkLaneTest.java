package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkLaneTest {
  // Two threads: if the lane did not keep work in line, the second piece could run at once.
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private final WorkLane lane = new WorkLane();
  private final List<String> log = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @Test
  void workSubmittedWhileOtherWorkRunsStartsOnlyOnceThatHasEnded() throws Exception {
    CountDownLatch firstRuns = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first =
        lane.submit(
            new Cancellation(),
            () -> {
              log.add("first starts");
              firstRuns.countDown();
              await(release);
              log.add("first ends");
              return "first";
            },
            threads);
    assertTrue(firstRuns.await(10, TimeUnit.SECONDS));
    CompletableFuture<String> second =
        lane.submit(
            new Cancellation(),
            () -> {
              log.add("second starts");
              return "second";
            },
            threads);

    Thread.sleep(100);
    assertEquals(List.of("first starts"), log);
    release.countDown();

    assertEquals("second", second.get(10, TimeUnit.SECONDS));
    assertEquals("first", first.get());
    assertEquals(List.of("first starts", "first ends", "second starts"), log);
  }

  @Test
  void aFailedPieceDoesNotHoldUpTheNext() throws Exception {
    CompletableFuture<String> failed =
        lane.submit(
            new Cancellation(),
            () -> {
              throw new IllegalStateException("boom");
            },
            threads);
    CompletableFuture<String> next = lane.submit(new Cancellation(), () -> "next", threads);

    assertEquals("next", next.get(10, TimeUnit.SECONDS));
    assertTrue(failed.isCompletedExceptionally());
  }

  @Test
  void cancelAllCancelsTheRunningWorkAndTheWorkWaitingForItButNotLaterWork() throws Exception {
    CountDownLatch firstRuns = new CountDownLatch(1);
    Cancellation running = new Cancellation();
    Cancellation waiting = new Cancellation();
    CompletableFuture<Boolean> first =
        lane.submit(
            running,
            () -> {
              firstRuns.countDown();
              while (!running.getAsBoolean()) {
                Thread.onSpinWait();
              }
              return true;
            },
            threads);
    CompletableFuture<Boolean> second = lane.submit(waiting, waiting::getAsBoolean, threads);
    assertTrue(firstRuns.await(10, TimeUnit.SECONDS));

    lane.cancelAll("the agent stopped");

    assertTrue(first.get(10, TimeUnit.SECONDS));
    assertTrue(second.get(10, TimeUnit.SECONDS), "the waiting work starts cancelled");
    assertEquals("the agent stopped", running.reason());
    Cancellation later = new Cancellation();
    assertFalse(lane.submit(later, later::getAsBoolean, threads).get(10, TimeUnit.SECONDS));
  }

  @Test
  void idleCompletesOnceEverythingSubmittedHasEnded() throws Exception {
    assertTrue(lane.idle().toCompletableFuture().isDone(), "nothing submitted");
    CountDownLatch release = new CountDownLatch(1);
    lane.submit(new Cancellation(), () -> await(release), threads);

    CompletableFuture<Void> idle = lane.idle().toCompletableFuture();
    Thread.sleep(50);
    assertFalse(idle.isDone());
    release.countDown();
    idle.get(10, TimeUnit.SECONDS);
  }

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

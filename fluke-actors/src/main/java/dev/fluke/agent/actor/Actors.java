package dev.fluke.agent.actor;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The agent's actor runtime: a few actors that each handle one message at a time, on a small shared
 * pool, with timers, supervision and children, in the shape of Pekko Typed's Java API (the subset
 * the agent uses). Why not Pekko itself: an agent on Pekko, Scala and Typesafe Config's classes
 * weighs ~88 MiB idle against ~68 MiB without them (docs/performance.md, "What the agent would
 * weigh without Pekko"), and issue 9 asks for 80 MB; the server stays on Pekko.
 *
 * <p>What it gives, as Pekko does: messages from one sender arrive in order; an actor's turns never
 * overlap and each sees the writes of the one before; a stopped actor's children stop first, then
 * its {@link PostStop}, then its parent's watch message; a cancelled timer's message is never
 * handled. What it leaves out: remoting, routing, dispatchers by name, dead-letter logging (a
 * message to a stopped actor is dropped silently), and unique child names.
 *
 * <p>Threads: {@code threads} for the actors (idle ones end after a minute), one for timers, and
 * {@code blockingThreads} for the blocking work actors hand off ({@link #blocking}: processes,
 * files).
 */
public final class Actors {
  private static final Duration IDLE_THREAD = Duration.ofSeconds(60);

  private final String name;
  private final Executor executor;
  private final Scheduler scheduler;
  private final Executor blocking;
  private final Runnable shutdown; // ends the pools this system made
  private final Map<Cell<?>, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile boolean terminating;

  private Actors(
      String name, Executor executor, Scheduler scheduler, Executor blocking, Runnable shutdown) {
    this.name = name;
    this.executor = executor;
    this.scheduler = scheduler;
    this.blocking = blocking;
    this.shutdown = shutdown;
  }

  /** A system with pools of its own and a timer thread (all ended by {@link #terminate}). */
  public static Actors create(String name, int threads, int blockingThreads) {
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(1, daemon(name + "-scheduler"));
    timers.setRemoveOnCancelPolicy(true);
    return create(name, threads, blockingThreads, scheduler(timers), timers::shutdownNow);
  }

  /** A system with pools of its own on {@code scheduler}'s time (tests move it by hand). */
  public static Actors create(String name, int threads, int blockingThreads, Scheduler scheduler) {
    return create(name, threads, blockingThreads, scheduler, () -> {});
  }

  private static Actors create(
      String name, int threads, int blockingThreads, Scheduler scheduler, Runnable alsoEnd) {
    ThreadPoolExecutor actors = pool(name + "-actors", threads);
    ThreadPoolExecutor blocking = pool(name + "-blocking", blockingThreads);
    return new Actors(
        name,
        actors,
        scheduler,
        blocking,
        () -> {
          alsoEnd.run();
          actors.shutdown();
          blocking.shutdown();
        });
  }

  /** A scheduler on {@code executor} (its tasks only hand messages over). */
  private static Scheduler scheduler(ScheduledThreadPoolExecutor executor) {
    return (delay, task) -> {
      var f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }

  /** Starts a top-level actor. */
  public <T> ActorRef<T> spawn(Behavior<T> behavior, String actorName) {
    if (terminating) {
      throw new IllegalStateException("the actor system " + name + " is terminating");
    }
    Cell<T> cell = new Cell<>(this, null, name + "/" + actorName, behavior);
    running.put(cell, new CompletableFuture<>());
    return cell.begin();
  }

  /** Stops a top-level actor (its children first); completes once it has stopped. */
  public CompletionStage<Void> stop(ActorRef<?> actor) {
    if (actor instanceof Cell<?> c && running.containsKey(c)) {
      c.stopFromOutside();
    }
    return whenStopped(actor);
  }

  /** Completes once the top-level actor has stopped, for whatever reason (at once if it had). */
  public CompletionStage<Void> whenStopped(ActorRef<?> actor) {
    CompletableFuture<Void> stopped = actor instanceof Cell<?> c ? running.get(c) : null;
    return stopped != null ? stopped.copy() : CompletableFuture.completedFuture(null);
  }

  /**
   * Sends {@code request(replyTo)} to {@code target}; completes with the reply, or with a {@link
   * TimeoutException} after {@code timeout}. For use outside actors (inside: {@link
   * ActorContext#ask}).
   */
  public <Req, Res> CompletionStage<Res> ask(
      ActorRef<Req> target, Function<ActorRef<Res>, Req> request, Duration timeout) {
    return ask(scheduler, target, request, timeout);
  }

  static <Req, Res> CompletableFuture<Res> ask(
      Scheduler scheduler,
      ActorRef<Req> target,
      Function<ActorRef<Res>, Req> request,
      Duration timeout) {
    CompletableFuture<Res> reply = new CompletableFuture<>();
    if (target instanceof Cell<?> c && c.isTerminated()) {
      reply.completeExceptionally(new IllegalStateException(target + " has stopped"));
      return reply;
    }
    Cancellable timer =
        scheduler.scheduleOnce(
            timeout,
            () ->
                reply.completeExceptionally(
                    new TimeoutException(
                        "no reply from " + target + " within " + timeout.toMillis() + " ms")));
    reply.whenComplete((r, f) -> timer.cancel());
    target.tell(request.apply(reply::complete));
    return reply;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  /** Where actors hand off blocking work (process spawning, file writes). */
  public Executor blocking() {
    return blocking;
  }

  Executor executor() {
    return executor;
  }

  /**
   * Stops every actor (children first) and, once all have stopped, the pools this system made.
   * Completes then (or at once if it had).
   */
  public CompletionStage<Void> terminate() {
    terminating = true;
    if (running.isEmpty()) {
      finish();
    } else {
      running.keySet().forEach(Cell::stopFromOutside);
    }
    return terminated;
  }

  public CompletionStage<Void> whenTerminated() {
    return terminated;
  }

  void stopped(Cell<?> root) {
    CompletableFuture<Void> stopped = running.remove(root);
    if (stopped != null) {
      stopped.complete(null);
    }
    if (terminating && running.isEmpty()) {
      finish();
    }
  }

  private synchronized void finish() {
    if (!terminated.isDone()) {
      shutdown.run();
      terminated.complete(null);
    }
  }

  private static ThreadPoolExecutor pool(String name, int threads) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            IDLE_THREAD.toSeconds(),
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemon(name));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

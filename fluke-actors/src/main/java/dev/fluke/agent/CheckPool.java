package dev.fluke.agent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs the checks of one request with at most {@code concurrency} of them at the same time
 * (agent.hcl {@code check_concurrency}; docs/configuration.md), and hands their results back in the
 * order they were given, whatever order they end in.
 *
 * <p>The calling thread runs checks itself; up to {@code concurrency - 1} helper threads of this
 * pool join it. Checks start in their order: each thread takes the next one not yet taken when it
 * is free. A check that is not read-only ({@link Step#alone()}: mise's git sync) runs by itself:
 * the checks before it have all ended before it starts, and those after it start once it has ended.
 * With a concurrency of 1 every check runs on the calling thread, one after the other.
 *
 * <p>The helpers are made when first needed, are daemons, and end after {@link #KEEP_ALIVE_SECONDS}
 * without work: an idle agent keeps none, and a request never leaves one behind. Thread-safe, but
 * meant for one request at a time (the agent's {@link WorkLane}).
 */
final class CheckPool {
  /** How long a helper thread waits for more work before it ends. */
  static final long KEEP_ALIVE_SECONDS = 10;

  private static final AtomicInteger POOLS = new AtomicInteger();

  /** One check: {@code work} never throws for a failure of the host. */
  record Step<T>(Supplier<T> work, boolean alone) {}

  private final int concurrency;
  private final ThreadPoolExecutor helpers;

  CheckPool(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
    }
    this.concurrency = concurrency;
    if (concurrency == 1) {
      helpers = null;
    } else {
      helpers =
          new ThreadPoolExecutor(
              concurrency - 1,
              concurrency - 1,
              KEEP_ALIVE_SECONDS,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              daemons("fluke-check-" + POOLS.incrementAndGet() + "-"));
      helpers.allowCoreThreadTimeOut(true);
    }
  }

  int concurrency() {
    return concurrency;
  }

  /** The helper threads alive now (at most {@code concurrency - 1}). */
  int helperThreads() {
    return helpers == null ? 0 : helpers.getPoolSize();
  }

  /**
   * Runs every step and returns their results in the steps' order; returns once every step it
   * started has ended. An exception or error a step throws is thrown here once the others have
   * ended.
   */
  <T> List<T> run(List<Step<T>> steps) {
    Object[] results = new Object[steps.size()];
    int i = 0;
    while (i < steps.size()) {
      if (concurrency == 1 || steps.get(i).alone()) {
        results[i] = steps.get(i).work().get();
        i++;
        continue;
      }
      int end = i;
      while (end < steps.size() && !steps.get(end).alone()) {
        end++;
      }
      runTogether(steps, i, end, results);
      i = end;
    }
    @SuppressWarnings("unchecked")
    List<T> out = (List<T>) Arrays.asList(results);
    return out;
  }

  /**
   * Steps {@code from} (inclusive) to {@code to} (exclusive), at most {@code concurrency} at once.
   */
  private <T> void runTogether(List<Step<T>> steps, int from, int to, Object[] results) {
    AtomicInteger next = new AtomicInteger(from);
    Runnable taker =
        () -> {
          try {
            for (int k = next.getAndIncrement(); k < to; k = next.getAndIncrement()) {
              results[k] = steps.get(k).work().get();
            }
          } catch (RuntimeException | Error e) {
            next.set(to); // start nothing more; the running ones end as they do
            throw e;
          }
        };
    List<Future<?>> joined = new ArrayList<>();
    int wanted = Math.min(concurrency, to - from) - 1;
    for (int h = 0; h < wanted; h++) {
      try {
        joined.add(helpers.submit(taker));
      } catch (RejectedExecutionException e) {
        break; // the calling thread takes what no helper took
      }
    }
    Throwable failure = null;
    try {
      taker.run();
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    for (Future<?> f : joined) {
      Throwable t = awaitUninterruptibly(f);
      if (failure == null) {
        failure = t;
      }
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  /**
   * Waits for a helper's part to end (a step that runs is never abandoned: its result and its
   * process tree are the request's); keeps the caller's interrupt for later. Returns what it threw.
   */
  private static Throwable awaitUninterruptibly(Future<?> f) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return null;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          return e.getCause();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

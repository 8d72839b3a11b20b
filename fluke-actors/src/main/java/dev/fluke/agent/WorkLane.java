package dev.fluke.agent;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The one lane the agent's work runs in (SPEC §4: never two applies at once on one host). Every
 * piece of work starts only after the one submitted before it has ended, whoever submitted it: when
 * a {@link Worker} fails and {@link Agent} replaces it, the new worker's first request waits for
 * the old worker's running request, which the replacement never cuts short.
 *
 * <p>It also holds the {@link Cancellation}s of the work not ended yet, so that the agent can stop
 * everything without asking the worker (a stopping actor no longer reads its mailbox). Thread-safe.
 */
final class WorkLane {
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  private final Set<Cancellation> unfinished = new LinkedHashSet<>();

  /**
   * Runs {@code work} on {@code executor} once everything submitted before has ended; {@code
   * cancellation} is what {@link #cancelAll} sets until it has ended.
   */
  synchronized <T> CompletableFuture<T> submit(
      Cancellation cancellation, Supplier<T> work, Executor executor) {
    unfinished.add(cancellation);
    CompletableFuture<T> next =
        tail.handle((ignored, failure) -> null)
            .thenApplyAsync(
                ignored -> {
                  try {
                    return work.get();
                  } finally {
                    ended(cancellation);
                  }
                },
                executor);
    tail = next;
    return next;
  }

  /** Completes once everything submitted so far has ended (at once when nothing runs). */
  synchronized CompletionStage<Void> idle() {
    return tail.handle((ignored, failure) -> null);
  }

  /**
   * Cancels the work that runs now and the work waiting for it (see {@link Cancellation#cancel}).
   */
  synchronized void cancelAll(String why) {
    unfinished.forEach(c -> c.cancel(why));
  }

  private synchronized void ended(Cancellation c) {
    unfinished.remove(c);
  }
}

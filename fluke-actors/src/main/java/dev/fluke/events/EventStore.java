package dev.fluke.events;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where events go. The in-memory store keeps a ring buffer per agent; other backends (Redis)
 * implement the same interface. Implementations are thread-safe and never block the caller for
 * long: a backend that does I/O returns a stage completed on its own threads.
 */
public interface EventStore extends AutoCloseable {
  CompletionStage<Void> append(Event event);

  /** Newest first. */
  CompletionStage<List<Event>> query(EventQuery query);

  /** True when the backend can be reached (for {@code /readyz}). */
  CompletionStage<Boolean> healthy();

  /**
   * True when every server node that uses this store reads the same history (Redis: every node of a
   * cluster writes to and reads from the same keys). A cluster answers {@code GET /api/v1/events}
   * from a shared store directly; a store of its own (memory) is asked on every node and the
   * answers merged (docs/cluster.md, "Events").
   */
  default boolean shared() {
    return false;
  }

  /**
   * True when {@link #saveState} keeps values across server restarts (Redis); the memory store
   * keeps nothing.
   */
  default boolean durableState() {
    return false;
  }

  /**
   * Keeps a small piece of server state (e.g. the suspensions, as JSON) under {@code name}, beside
   * the events and without their TTL. Stores that keep none (memory) do nothing.
   */
  default CompletionStage<Void> saveState(String name, String value) {
    return CompletableFuture.completedFuture(null);
  }

  /** What {@link #saveState} kept under {@code name}; empty when nothing (or not durable). */
  default CompletionStage<Optional<String>> loadState(String name) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  @Override
  default void close() {}
}

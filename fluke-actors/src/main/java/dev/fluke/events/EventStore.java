package dev.fluke.events;

import java.util.List;
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

  @Override
  default void close() {}
}

package dev.fluke.server;

import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's event store as the actors and the API see it: the configured store, with every
 * appended event also published to live viewers ({@link LiveHub}) and every failed append or query
 * counted ({@code fluke_event_store_errors_total}).
 *
 * <p>An event is published when its append completes, whether the store kept it or not: it
 * happened, and a viewer should see it even while the store is down; once the store has kept it, a
 * viewer that refetches finds it. Appends are fire-and-forget for the actors, so failures are
 * logged here, once when the store starts failing and once when it works again, never once per
 * event.
 */
final class LiveEventStore implements EventStore {
  private static final Logger log = LoggerFactory.getLogger(LiveEventStore.class);

  private final EventStore store;
  private final LiveHub hub;
  private final FlukeMetrics metrics;
  private final AtomicBoolean failing = new AtomicBoolean();

  LiveEventStore(EventStore store, LiveHub hub, FlukeMetrics metrics) {
    this.store = store;
    this.hub = hub;
    this.metrics = metrics;
  }

  @Override
  public CompletionStage<Void> append(Event event) {
    return call(() -> store.append(event))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                failed("append", failure);
              } else {
                worked();
              }
              hub.publish(LiveUpdate.ofEvent(event));
            });
  }

  @Override
  public CompletionStage<List<Event>> query(EventQuery query) {
    return call(() -> store.query(query))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                failed("query", failure);
              } else {
                worked();
              }
            });
  }

  @Override
  public CompletionStage<Boolean> healthy() {
    return store.healthy();
  }

  @Override
  public boolean durableState() {
    return store.durableState();
  }

  @Override
  public boolean shared() {
    return store.shared();
  }

  @Override
  public CompletionStage<Void> saveState(String name, String value) {
    return call(() -> store.saveState(name, value));
  }

  @Override
  public CompletionStage<java.util.Optional<String>> loadState(String name) {
    return call(() -> store.loadState(name));
  }

  @Override
  public void close() {
    store.close();
  }

  private void failed(String what, Throwable failure) {
    metrics.eventStoreError();
    if (failing.compareAndSet(false, true)) {
      log.warn(
          "The event store failed ({}): {}; further failures are only counted until it works again",
          what,
          failure.toString());
    }
  }

  private void worked() {
    if (failing.compareAndSet(true, false)) {
      log.info("The event store works again");
    }
  }

  /** A store that throws instead of returning a failed stage is treated the same. */
  private static <T> CompletionStage<T> call(java.util.function.Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}

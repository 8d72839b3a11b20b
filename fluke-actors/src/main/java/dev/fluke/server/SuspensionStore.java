package dev.fluke.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.fluke.api.Suspension;
import dev.fluke.events.EventStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The suspensions as a durable event store keeps them (Redis: {@code <prefix>:state:suspensions},
 * the scopes in force, and {@code <prefix>:state:suspensions-lifted}, the recent lifts that keep a
 * resume from being undone by an older copy on another node), as JSON. A store that keeps no state
 * (memory) loads nothing and saves nothing.
 */
final class SuspensionStore {
  static final String STATE_NAME = "suspensions";
  static final String LIFTS_NAME = "suspensions-lifted";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final EventStore events;

  SuspensionStore(EventStore events) {
    this.events = events;
  }

  /** What the store keeps: the suspensions and the lifts (newest first); fails when unreadable. */
  CompletionStage<SuspensionBook> load() {
    return events
        .loadState(STATE_NAME)
        .thenCombine(
            events.loadState(LIFTS_NAME),
            (held, lifted) ->
                new SuspensionBook(
                    read(held, new TypeReference<List<Suspension>>() {}),
                    read(lifted, new TypeReference<List<SuspensionBook.Lift>>() {}),
                    true));
  }

  /** Keeps {@code book} when the store is durable; completes at once otherwise. */
  CompletionStage<Void> save(SuspensionBook book) {
    if (!events.durableState()) {
      return CompletableFuture.completedFuture(null);
    }
    String held;
    String lifted;
    try {
      held = JSON.writeValueAsString(book.suspensions());
      lifted = JSON.writeValueAsString(book.lifts());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the suspensions as JSON", e);
    }
    return events
        .saveState(STATE_NAME, held)
        .thenCompose(v -> events.saveState(LIFTS_NAME, lifted));
  }

  private static <T> List<T> read(Optional<String> json, TypeReference<List<T>> type) {
    if (json.isEmpty()) {
      return List.of();
    }
    try {
      return JSON.readValue(json.get(), type);
    } catch (IOException e) {
      throw new UncheckedIOException("the kept " + type.getType() + " cannot be read", e);
    }
  }
}

package dev.fluke.api;

/**
 * The event history cannot be read (the event store, e.g. Redis, is down or did not answer in
 * time). {@link FleetApi#events} fails with it; the HTTP API answers 503 with its message, and
 * answers that also carry live state ({@link FleetApi#agent}) carry the message instead of failing.
 */
public final class HistoryUnavailable extends RuntimeException {
  public HistoryUnavailable(String message, Throwable cause) {
    super(message, cause);
  }
}

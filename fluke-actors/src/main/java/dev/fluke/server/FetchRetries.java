package dev.fluke.server;

import dev.fluke.server.ManifestSync.Outcome;
import java.time.Duration;
import java.util.Optional;

/**
 * When the {@link GitWatcher} tries again after failed fetches: {@link #FIRST} after the first,
 * twice as long after each further one in a row, never later than the poll interval (which fetches
 * anyway). Any other end of a sync (loaded, unchanged, rejected, refused) ends the series: those
 * are answers from Git, not failures to reach it.
 */
final class FetchRetries {
  /** The wait after the first failed fetch of a series. */
  static final Duration FIRST = Duration.ofSeconds(2);

  private final Duration poll;

  /** Failed fetches in a row (bounded: past the poll interval the wait stops growing). */
  private int failures;

  FetchRetries(Duration poll) {
    this.poll = poll;
  }

  /**
   * Counts how a sync ended; the wait before the retry it calls for, empty when it calls for none.
   */
  Optional<Duration> after(Outcome outcome) {
    if (!(outcome instanceof Outcome.FetchFailed)) {
      failures = 0;
      return Optional.empty();
    }
    failures = Math.min(failures + 1, 31);
    Duration wait = FIRST.multipliedBy(1L << (failures - 1));
    return Optional.of(wait.compareTo(poll) < 0 ? wait : poll);
  }
}

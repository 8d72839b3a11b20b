package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.server.ManifestSync.Outcome;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FetchRetriesTest {
  private static final Duration POLL = Duration.ofMinutes(1);
  private static final Outcome FAILED = new Outcome.FetchFailed("connection refused");

  @Test
  void failedFetchesInARowWaitTwiceAsLongEachTimeUpToThePoll() {
    FetchRetries retries = new FetchRetries(POLL);
    assertEquals(Optional.of(Duration.ofSeconds(2)), retries.after(FAILED));
    assertEquals(Optional.of(Duration.ofSeconds(4)), retries.after(FAILED));
    assertEquals(Optional.of(Duration.ofSeconds(8)), retries.after(FAILED));
    assertEquals(Optional.of(Duration.ofSeconds(16)), retries.after(FAILED));
    assertEquals(Optional.of(Duration.ofSeconds(32)), retries.after(FAILED));
    for (int i = 0; i < 100; i++) {
      assertEquals(Optional.of(POLL), retries.after(FAILED), "failure " + (i + 6));
    }
  }

  @Test
  void anyOtherEndOfASyncEndsTheSeries() {
    FetchRetries retries = new FetchRetries(POLL);
    retries.after(FAILED);
    retries.after(FAILED);
    assertEquals(Optional.empty(), retries.after(new Outcome.Unchanged("c1")));
    assertEquals(Optional.of(Duration.ofSeconds(2)), retries.after(FAILED), "a new series");
  }

  @Test
  void aPollShorterThanTheFirstRetryBoundsIt() {
    assertEquals(
        Optional.of(Duration.ofSeconds(1)), new FetchRetries(Duration.ofSeconds(1)).after(FAILED));
  }
}

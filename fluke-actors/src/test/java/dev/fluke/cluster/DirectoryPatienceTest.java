package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DirectoryPatienceTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final DirectoryPatience.Reach ALL = new DirectoryPatience.Reach(3, 3);

  private static long seconds(long s) {
    return Duration.ofSeconds(s).toNanos();
  }

  @Test
  void aSlowDirectoryIsAskedAgainWhileAnotherTryEndsWithinThePatience() {
    assertTrue(DirectoryPatience.retry(0, seconds(5), PATIENCE, TIMEOUT, ALL));
    assertTrue(DirectoryPatience.retry(0, seconds(15), PATIENCE, TIMEOUT, ALL));
    assertFalse(
        DirectoryPatience.retry(0, seconds(16), PATIENCE, TIMEOUT, ALL),
        "another 5 s read would end after the 20 s: refuse now, the agent tries elsewhere");
  }

  @Test
  void aNodeThatReachesNoMajorityDoesNotWait() {
    assertFalse(
        DirectoryPatience.retry(
            0, seconds(5), PATIENCE, TIMEOUT, new DirectoryPatience.Reach(1, 3)));
    assertTrue(
        DirectoryPatience.retry(
            0, seconds(5), PATIENCE, TIMEOUT, new DirectoryPatience.Reach(2, 3)),
        "one node lost of three: a majority is still reached");
  }

  @Test
  void aMajorityIsMoreThanHalfOfTheMembers() {
    assertTrue(new DirectoryPatience.Reach(1, 1).majority());
    assertFalse(new DirectoryPatience.Reach(1, 2).majority(), "one of two is no majority");
    assertTrue(new DirectoryPatience.Reach(2, 2).majority());
    assertTrue(new DirectoryPatience.Reach(3, 5).majority());
    assertFalse(new DirectoryPatience.Reach(2, 5).majority());
  }

  @Test
  void aFirstReadOrWriteGivesUpSoonerThanARetry() {
    // Pekko asks a second node after a fifth of the timeout: a short first try leaves a failed node
    // that is still counted reachable sooner, and a retry under a burst waits longer for a slow
    // majority instead of timing out again.
    Config c = ConfigFactory.parseResources("fluke-cluster.conf");
    DirectoryPatience.Timing timing =
        new DirectoryPatience.Timing(
            c.getDuration("fluke.cluster.ask-timeout"),
            c.getDuration("fluke.cluster.directory-first-timeout"),
            c.getDuration("fluke.cluster.directory-timeout"),
            c.getDuration("fluke.cluster.admission-patience"));
    assertEquals(Duration.ofSeconds(1), timing.attempt(false, null));
    assertEquals(Duration.ofSeconds(2), timing.attempt(true, null));
    // Under strain (a read or write timed out lately) every try waits as long as a retry, so
    // that a burst is not made worse by short tries that time out too.
    assertEquals(Duration.ofSeconds(2), timing.attempt(false, Duration.ofSeconds(3)));
    assertEquals(Duration.ofSeconds(1), timing.attempt(false, Duration.ofSeconds(11)));
  }
}

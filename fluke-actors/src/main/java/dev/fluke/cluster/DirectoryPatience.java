package dev.fluke.cluster;

import java.time.Duration;

/**
 * Whether a registration the agent directory could not serve is tried again or refused (pure; used
 * by {@link Admitting}). A majority read or write that timed out while this node still reaches a
 * majority of the members means the nodes are slow (a burst of registrations after a node's crash,
 * a busy machine), not that the directory is out of reach: the registration is tried again —
 * answered the moment the directory answers — until the registration's {@code patience} is spent.
 * Refusing instead would send the agent into its reconnect backoff, which under such a burst costs
 * it far more than the wait (docs/cluster.md, "Admission under load"). A node that reaches no
 * majority (the minority side of a partition) refuses at once: waiting cannot help there, and the
 * agent should go to a node that can admit it. {@link Timing} says how long each read or write may
 * take.
 */
final class DirectoryPatience {
  private DirectoryPatience() {}

  /** How many of the members this node reaches (itself included), and how many there are. */
  record Reach(int reachable, int members) {
    boolean majority() {
      return 2 * reachable > members;
    }
  }

  /**
   * @param started when the registration arrived ({@code System.nanoTime()})
   * @param now the time now, on the same clock
   * @param timeout how long one more read or write may take: a retry is made only when it can end
   *     within the patience
   */
  static boolean retry(long started, long now, Duration patience, Duration timeout, Reach reach) {
    return reach.majority() && now - started + timeout.toNanos() <= patience.toNanos();
  }

  /**
   * @param ask how long the node holding an agent has to say whether its session is alive
   * @param first how long a registration's first majority read or write of its shard may take
   *     before it is tried again. Pekko's majority operation asks one other node first and the rest
   *     only after a fifth of its timeout, and right after a crash or a freeze the failed node is
   *     still counted reachable for seconds, so it is asked first half of the time: a short first
   *     timeout moves on to a live node sooner (docs/cluster.md, "Admission under load")
   * @param directory how long a retried read or write may take: longer, so that under a burst (a
   *     whole fleet registering at once) a slow majority is waited for rather than timed out again
   *     and again until the patience is spent
   * @param patience how long from its arrival a registration may wait for the directory before it
   *     is refused ({@link #retry})
   */
  record Timing(Duration ask, Duration first, Duration directory, Duration patience) {
    /**
     * The timeout of a batch's read or write: the retry's when any of its registrations retries, or
     * when a read or write of this node timed out within the last {@link #STRAINED} ({@code
     * sinceTimeout}: how long ago; null: none yet). A timeout means the directory is slow here (a
     * fleet registering at once on busy nodes), not that a failed node was asked first: short tries
     * would then only time out too and add to the load.
     */
    Duration attempt(boolean retry, Duration sinceTimeout) {
      boolean strained = sinceTimeout != null && sinceTimeout.compareTo(STRAINED) < 0;
      return retry || strained ? directory : first;
    }
  }

  /** How long after a timed-out read or write the first tries wait as long as retries. */
  static final Duration STRAINED = Duration.ofSeconds(10);
}

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
 * agent should go to a node that can admit it.
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
}

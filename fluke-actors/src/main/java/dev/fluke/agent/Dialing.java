package dev.fluke.agent;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Which server the agent dials, and how long it waits first (docs/protocol.md, "Failover"): the
 * first attempt goes at once to an entry of {@code server_urls} picked at random (so a fleet
 * spreads over the servers); an attempt that ends without having registered is followed by one to
 * the next entry in list order (wrapping around), one that ended after registering by one to
 * another entry picked at random (so a dead server's agents spread over all the others), after the
 * reconnect backoff: {@code min-backoff} doubling up to {@code max-backoff}, plus up to {@code
 * random-factor} of jitter. The backoff grows per <em>round</em> through the list, not per attempt:
 * every server of a round is dialled after the same delay, and it doubles only when a whole round
 * (as many attempts in a row as there are servers) ended without a connection that stayed
 * registered for {@code reconnect.reset-after}; one that did starts it again from the minimum, and
 * the first attempt after it waits a random part of {@code min-backoff} (0 to 1 s by default): the
 * agents of a server that just died spread their reconnects evenly over that second instead of
 * arriving at the next servers within the jitter's 0.2 s, and come back sooner. So a dead server in
 * the list (refused at once) or one busy server's refusal costs the next server one {@code
 * min-backoff}, not a doubled delay, while a fleet whose servers are all down still slows down to
 * {@code max-backoff}. It never gives up. With one server it is the plain reconnect backoff
 * (doubling per attempt).
 *
 * <p>Immutable; {@link ServerLink} keeps one and replaces it per attempt.
 *
 * @param servers how many servers there are (at least one)
 * @param current the index of the server dialled now (or next)
 * @param failures attempts in a row, up to and including the last one, that ended without staying
 *     registered for {@code reset-after}; 0 before the first attempt ended
 * @param lived the last attempt stayed registered for {@code reset-after} (then {@code failures} is
 *     1)
 */
record Dialing(int servers, int current, int failures, boolean lived) {

  Dialing {
    if (servers < 1) {
      throw new IllegalArgumentException("at least one server is needed");
    }
    if (current < 0 || current >= servers) {
      throw new IllegalArgumentException("no server " + current + " of " + servers);
    }
  }

  Dialing(int servers, int current, int failures) {
    this(servers, current, failures, false);
  }

  /** The first attempt: a random entry of {@code servers}, at once. */
  static Dialing start(int servers, RandomGenerator random) {
    return new Dialing(servers, servers == 1 ? 0 : random.nextInt(servers), 0);
  }

  /**
   * The attempt on {@link #current} ended without registering (refused, broken, {@code Rejected},
   * no answer to {@code Register}): the next one goes to the following server.
   */
  Dialing ended() {
    return new Dialing(servers, (current + 1) % servers, failures + 1, false);
  }

  /**
   * A connection on which the agent was registered ended (its server died, stopped, moved the agent
   * or dropped it): the next attempt goes to one of the <em>other</em> servers picked at random,
   * and on from there in list order. Every agent of a server that dies would otherwise dial the one
   * entry after it, and that one server would admit the whole lot while the others stand by.
   *
   * @param stable the connection stayed registered for {@code reset-after}: the backoff starts
   *     again from its minimum
   * @param random picks the server
   */
  Dialing endedRegistered(boolean stable, RandomGenerator random) {
    int next =
        servers <= 2
            ? (current + 1) % servers
            : (current + 1 + random.nextInt(servers - 1)) % servers;
    return new Dialing(servers, next, stable ? 1 : failures + 1, stable);
  }

  /**
   * How long to wait before dialling {@link #current}: nothing before the first attempt, {@code
   * random} × {@code min-backoff} right after a connection that lived, else the backoff after
   * {@link #rounds} failed rounds, {@code random} (in [0, 1)) choosing the jitter.
   */
  Duration delay(AgentSettings.Backoff backoff, double random) {
    if (failures == 0) {
      return Duration.ZERO;
    }
    if (lived) {
      return Duration.ofMillis((long) (backoff.min().toMillis() * random));
    }
    return backoff.delay(rounds(), random);
  }

  /**
   * The rounds through the list the failures make, the one in progress counted: 1 for the first
   * {@code servers} failures, 2 for the next {@code servers}, and so on.
   */
  int rounds() {
    return (failures + servers - 1) / servers;
  }
}

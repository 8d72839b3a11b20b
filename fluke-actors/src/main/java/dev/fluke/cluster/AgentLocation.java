package dev.fluke.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * One agent's entry in the cluster-wide agent directory ({@link AgentLocations}).
 *
 * @param node the cluster address of the node that admitted the agent last
 * @param epoch the fencing token of that admission: every admission anywhere takes a higher one
 * @param live true while that node holds the agent's session; false once it ended there
 * @param received the fingerprints ({@link dev.fluke.server.ReceivedResults#fingerprint}) of the
 *     newest result keys ({@code cycle/task}) received from the agent on any node, at most {@link
 *     #RECEIVED_KEPT}: a result re-sent after a failover is recognised. Fingerprints rather than
 *     the keys themselves because every node keeps every entry: 16 keys as strings were 2.7 KB of
 *     heap per agent per node, as 64-bit fingerprints they are ~0.3 KB (docs/cluster.md, sizing)
 * @param token the {@link dev.fluke.server.SessionTokens#hash} of the session token that admission
 *     handed the agent (null: none): the agent presents the token on its next registration
 */
public record AgentLocation(
    String node, long epoch, boolean live, List<Long> received, String token)
    implements CborSerializable {
  /** Results remembered per agent: more than the agent keeps unacknowledged at once by default. */
  public static final int RECEIVED_KEPT = 16;

  public AgentLocation {
    // A handful of node addresses among all the entries: one string each, not one per entry.
    node = node == null ? null : node.intern();
    received = received == null ? List.of() : List.copyOf(received);
  }

  /** An entry without a session token. */
  public AgentLocation(String node, long epoch, boolean live, List<Long> received) {
    this(node, epoch, live, received, null);
  }

  /**
   * Admitted on {@code node} with {@code epoch}, whose session handed out the token hashed as
   * {@code token}; the results received so far are kept.
   */
  public AgentLocation admittedOn(String node, long epoch, String token) {
    return new AgentLocation(node, epoch, true, received, token);
  }

  public AgentLocation released() {
    return new AgentLocation(node, epoch, false, received, token);
  }

  /**
   * True when {@code presented} (a {@link dev.fluke.server.SessionTokens#hash}) is this entry's
   * token: the registering agent is the host this entry's session was handed to.
   */
  public boolean resumedBy(String presented) {
    return token != null && token.equals(presented);
  }

  /**
   * With one more received result, by its fingerprint (the oldest forgotten beyond {@link
   * #RECEIVED_KEPT}).
   */
  public AgentLocation withReceived(long fingerprint) {
    if (received.contains(fingerprint)) {
      return this;
    }
    List<Long> next = new ArrayList<>(received);
    next.add(fingerprint);
    while (next.size() > RECEIVED_KEPT) {
      next.remove(0);
    }
    return new AgentLocation(node, epoch, live, next, token);
  }
}

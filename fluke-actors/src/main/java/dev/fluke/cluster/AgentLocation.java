package dev.fluke.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * One agent's entry in the cluster-wide agent directory ({@link AgentLocations}).
 *
 * @param node the cluster address of the node that admitted the agent last
 * @param epoch the fencing token of that admission: every admission anywhere takes a higher one
 * @param live true while that node holds the agent's session; false once it ended there
 * @param received the newest result keys ({@code cycle/task}) received from the agent on any node,
 *     at most {@link #RECEIVED_KEPT}: a result re-sent after a failover is recognised
 */
public record AgentLocation(String node, long epoch, boolean live, List<String> received)
    implements CborSerializable {
  /** Results remembered per agent: more than the agent keeps unacknowledged at once by default. */
  public static final int RECEIVED_KEPT = 16;

  public AgentLocation {
    received = received == null ? List.of() : List.copyOf(received);
  }

  /** Admitted on {@code node} with {@code epoch}; the results received so far are kept. */
  public AgentLocation admittedOn(String node, long epoch) {
    return new AgentLocation(node, epoch, true, received);
  }

  public AgentLocation released() {
    return new AgentLocation(node, epoch, false, received);
  }

  /** With one more received result (the oldest forgotten beyond {@link #RECEIVED_KEPT}). */
  public AgentLocation withReceived(String key) {
    if (received.contains(key)) {
      return this;
    }
    List<String> next = new ArrayList<>(received);
    next.add(key);
    while (next.size() > RECEIVED_KEPT) {
      next.remove(0);
    }
    return new AgentLocation(node, epoch, live, next);
  }
}

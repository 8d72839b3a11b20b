package dev.fluke.cluster;

/**
 * One agent's entry in the cluster-wide agent directory ({@link AgentLocations}). The results
 * received from the agent are kept apart, in a type that merges ({@link ReceivedKeys}).
 *
 * @param node the cluster address of the node that admitted the agent last
 * @param epoch the fencing token of that admission: every admission anywhere takes a higher one
 * @param live true while that node holds the agent's session; false once it ended there
 * @param token the {@link dev.fluke.server.SessionTokens#hash} of the session token that admission
 *     handed the agent (null: none): the agent presents the token on its next registration
 */
public record AgentLocation(String node, long epoch, boolean live, String token)
    implements CborSerializable {

  public AgentLocation {
    // A handful of node addresses among all the entries: one string each, not one per entry.
    node = node == null ? null : node.intern();
  }

  /** An entry without a session token. */
  public AgentLocation(String node, long epoch, boolean live) {
    this(node, epoch, live, null);
  }

  /**
   * Admitted on {@code node} with {@code epoch}, whose session handed out the token hashed as
   * {@code token}.
   */
  public AgentLocation admittedOn(String node, long epoch, String token) {
    return new AgentLocation(node, epoch, true, token);
  }

  public AgentLocation released() {
    return new AgentLocation(node, epoch, false, token);
  }

  /**
   * True when {@code presented} (a {@link dev.fluke.server.SessionTokens#hash}) is this entry's
   * token: the registering agent is the host this entry's session was handed to.
   */
  public boolean resumedBy(String presented) {
    return token != null && token.equals(presented);
  }
}

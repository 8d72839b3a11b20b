package dev.fluke.protocol;

/**
 * A cluster node ends an idle agent's stream because it holds more than its share of the fleet
 * (docs/cluster.md, "Rebalancing"): the agent reconnects to another server node, as after any
 * stream's end. Sent as the status description (gRPC UNAVAILABLE), which starts with {@link #MARK}
 * so that the agent logs the move as what it is rather than as a lost connection.
 */
public final class Rebalancing extends RuntimeException {
  /** How every such description starts. */
  public static final String MARK = "rebalancing the cluster: ";

  /**
   * @param why what the node holds and its share ("this server node holds 12 of …")
   */
  public Rebalancing(String why) {
    super(MARK + why);
  }

  /** True when {@code text} (a status or exception message) is a rebalancing's. */
  public static boolean describes(String text) {
    return text != null && text.contains(MARK);
  }
}

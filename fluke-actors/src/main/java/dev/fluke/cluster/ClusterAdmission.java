package dev.fluke.cluster;

import dev.fluke.protocol.Rebalancing;
import dev.fluke.server.AgentAdmission;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The registry's view of {@link AgentLocations} and {@link ClusterReceipts} (its {@link
 * AgentAdmission} in cluster mode): each call is one message to one of them, answered through a
 * future. Also the reasons the directory gives when it refuses (they are sent to the agent).
 */
final class ClusterAdmission implements AgentAdmission {
  private final ActorRef<AgentLocations.Command> locations;
  private final ActorRef<ClusterReceipts.Command> receipts;

  ClusterAdmission(
      ActorRef<AgentLocations.Command> locations, ActorRef<ClusterReceipts.Command> receipts) {
    this.locations = locations;
    this.receipts = receipts;
  }

  @Override
  public boolean local() {
    return false;
  }

  @Override
  public void attach(ActorRef<AgentRegistry.Command> registry) {
    locations.tell(new AgentLocations.Attach(registry));
  }

  @Override
  public CompletionStage<Decision> admit(String name, String resumes, String token, boolean moved) {
    CompletableFuture<Decision> answer = new CompletableFuture<>();
    locations.tell(new AgentLocations.Admit(name, resumes, token, moved, answer));
    return answer;
  }

  @Override
  public void released(String name, long epoch) {
    locations.tell(new AgentLocations.Release(name, epoch));
  }

  @Override
  public void abandoned(String name) {
    locations.tell(new AgentLocations.Abandon(name));
  }

  @Override
  public CompletionStage<Void> received(String name, String resultKey) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    receipts.tell(new ClusterReceipts.Record(name, resultKey, done));
    return done;
  }

  @Override
  public CompletionStage<Boolean> recorded(String name, String resultKey) {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    receipts.tell(new ClusterReceipts.Check(name, resultKey, answer));
    return answer;
  }

  /** The directory recorded {@code entry}, this node's admission of the agent. */
  static Decision admitted(AgentLocation entry) {
    return Decision.admitted(entry.epoch());
  }

  /** This node reaches no majority of the members (a minority side): it cannot admit anyone. */
  static Decision noMajority(DirectoryPatience.Reach reach) {
    return Decision.refused(
        "this server node reaches "
            + reach.reachable()
            + " of the cluster's "
            + reach.members()
            + " nodes, no majority: it cannot admit agents; retry another node");
  }

  /**
   * An agent just moved by rebalancing came to this node, which holds its {@code share} already: it
   * goes on to another node (it is sent on once per node, then taken anywhere).
   */
  static Decision atShare(FleetShare share) {
    return Decision.refused(
        Rebalancing.MARK
            + "this server node holds "
            + share.held()
            + " of the "
            + share.total()
            + " agents on "
            + share.nodes()
            + " nodes (its share: "
            + share.share()
            + "); an agent moved to even out the fleet goes to a node below its share");
  }

  /** No majority answered the read of the agent's entry. */
  static Decision unreadable(Duration patience) {
    return Decision.refused(
        "the cluster's agent directory cannot be read: no majority of the nodes answered within "
            + patience
            + "; retry");
  }

  /** The registration's stream ended before its entry was written. */
  static Decision abandoned() {
    return Decision.refused("the registration's stream ended before the cluster admitted it");
  }

  /** No majority confirmed the write of the agent's new entry. */
  static Decision unrecorded(Duration patience) {
    return Decision.refused(
        "the cluster's agent directory could not record the registration: no majority of the"
            + " nodes confirmed within "
            + patience
            + "; retry");
  }

  /**
   * The node holding {@code name} was asked and the agent may not be taken over: its session is
   * alive there ({@code live} true) or the node did not say in time ({@code live} null) and is
   * still reachable.
   */
  static Decision heldElsewhere(String name, String node, Boolean live) {
    return Decision.refused(
        Boolean.TRUE.equals(live)
            ? "an agent named " + name + " is already connected to server node " + node
            : "agent "
                + name
                + " is held by server node "
                + node
                + ", which did not say in time whether its session is alive; retry");
  }
}

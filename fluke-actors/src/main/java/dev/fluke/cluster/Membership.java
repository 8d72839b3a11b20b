package dev.fluke.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * What this node knows of the cluster's members, read from Pekko's cluster state (a snapshot that
 * any thread may read). Addresses are strings in Pekko's form, {@code
 * pekko://fluke-server@host:port}.
 */
public final class Membership {
  private final Cluster cluster;

  private Membership(Cluster cluster) {
    this.cluster = cluster;
  }

  public static Membership of(ActorSystem<?> system) {
    return new Membership(Cluster.get(system));
  }

  /** This node's address. */
  public String self() {
    return cluster.selfMember().address().toString();
  }

  /** This node's own member status, in lower case ({@code up}, {@code leaving}, …). */
  public String selfStatus() {
    return status(cluster.selfMember().status());
  }

  /** True when this node is an Up (or weakly up) member. */
  public boolean selfUp() {
    MemberStatus s = cluster.selfMember().status();
    return s == MemberStatus.up() || s == MemberStatus.weaklyUp();
  }

  /** Whether {@code node} can be asked (up and reachable) or is gone for this node's purposes. */
  Placement.NodeState state(String node) {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<String> unreachable = addresses(state.getUnreachable());
    for (Member m : state.getMembers()) {
      if (m.address().toString().equals(node)) {
        MemberStatus s = m.status();
        boolean serving =
            s == MemberStatus.up() || s == MemberStatus.weaklyUp() || s == MemberStatus.joining();
        return serving && !unreachable.contains(node)
            ? Placement.NodeState.SERVING
            : Placement.NodeState.GONE;
      }
    }
    return Placement.NodeState.GONE;
  }

  /**
   * How many members this node reaches, itself included (not unreachable for it, not down), of all
   * it knows: a majority read or write of the directory can succeed only with a majority reached.
   */
  DirectoryPatience.Reach reach() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<String> unreachable = addresses(state.getUnreachable());
    int members = 0;
    int reachable = 0;
    for (Member m : state.getMembers()) {
      members++;
      if (m.status() != MemberStatus.down() && !unreachable.contains(m.address().toString())) {
        reachable++;
      }
    }
    // Before this node has joined, the state may not list it: it is the whole cluster it knows.
    return members == 0
        ? new DirectoryPatience.Reach(1, 1)
        : new DirectoryPatience.Reach(reachable, members);
  }

  /**
   * The members that serve agents: Up (or weakly up) and reachable from this node, itself included.
   */
  Set<String> serving() {
    return members().stream()
        .filter(n -> n.reachable() && ("up".equals(n.status()) || "weakly_up".equals(n.status())))
        .map(Node::address)
        .collect(Collectors.toSet());
  }

  /** Every member this node knows, in address order. */
  public List<Node> members() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<String> unreachable = addresses(state.getUnreachable());
    Address leader = state.getLeader();
    List<Node> out = new ArrayList<>();
    for (Member m : state.getMembers()) {
      String a = m.address().toString();
      out.add(
          new Node(
              a,
              status(m.status()),
              !unreachable.contains(a),
              m.address().equals(leader),
              m.address().equals(cluster.selfMember().address())));
    }
    return out;
  }

  /**
   * The oldest Up member: where the cluster singletons (the Git watcher) run; null while none is
   * up.
   */
  public String oldestUp() {
    Member oldest = null;
    for (Member m : cluster.state().getMembers()) {
      if (m.status() == MemberStatus.up() && (oldest == null || m.isOlderThan(oldest))) {
        oldest = m;
      }
    }
    return oldest == null ? null : oldest.address().toString();
  }

  /** Members this node's failure detector (or another's) lost. */
  public Set<String> unreachable() {
    return addresses(cluster.state().getUnreachable());
  }

  /**
   * One member.
   *
   * @param status Pekko's member status in lower case
   */
  public record Node(
      String address, String status, boolean reachable, boolean leader, boolean self) {}

  static String status(MemberStatus s) {
    return s.toString().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  private static Set<String> addresses(Iterable<Member> members) {
    return StreamSupport.stream(members.spliterator(), false)
        .map(m -> m.address().toString())
        .collect(Collectors.toSet());
  }
}

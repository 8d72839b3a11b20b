package dev.fluke.cluster;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The cluster gauges of a node's {@code /metrics} (docs/operations.md, "Metrics"): members by
 * status and unreachable members as this node sees them, whether this node is the leader and runs
 * the Git singleton, and the agents in this node's replica of the agent directory. Read when
 * scraped, from Pekko's cluster state and from counts a small subscriber keeps per directory shard;
 * nothing is asked across the cluster.
 */
public final class ClusterGauges {
  /** Member statuses always written (0 when none), as {@link Membership} words them. */
  static final List<String> STATUSES =
      List.of("joining", "weakly_up", "up", "leaving", "exiting", "down", "removed");

  private final Supplier<List<Membership.Node>> members;
  private final Supplier<String> singletonNode;
  private final DirectoryCounts directory;

  ClusterGauges(
      Supplier<List<Membership.Node>> members,
      Supplier<String> singletonNode,
      DirectoryCounts directory) {
    this.members = members;
    this.singletonNode = singletonNode;
    this.directory = directory;
  }

  /**
   * Registers this node's cluster gauges in {@code registry} (the server's {@code FlukeMetrics}
   * registry) and starts the directory's subscriber. Cluster mode only.
   */
  public static void register(ActorSystem<?> system, PrometheusRegistry registry) {
    Membership membership = Membership.of(system);
    DirectoryCounts directory = new DirectoryCounts();
    system.systemActorOf(directory.subscriber(), "fluke-cluster-gauges", Props.empty());
    new ClusterGauges(membership::members, membership::oldestUp, directory).register(registry);
  }

  void register(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("fluke_cluster_members")
        .help("Cluster members this node sees, by member status.")
        .labelNames("status")
        .callback(
            gauge -> {
              Map<String, Long> counts =
                  members.get().stream()
                      .collect(
                          Collectors.groupingBy(Membership.Node::status, Collectors.counting()));
              for (String s : STATUSES) {
                gauge.call(counts.getOrDefault(s, 0L), s);
              }
              counts.forEach(
                  (s, n) -> {
                    if (!STATUSES.contains(s)) {
                      gauge.call(n, s);
                    }
                  });
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("fluke_cluster_unreachable_members")
        .help("Cluster members this node's failure detector (or another member's) lost.")
        .callback(gauge -> gauge.call(members.get().stream().filter(n -> !n.reachable()).count()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("fluke_cluster_leader")
        .help("1 when this node is the cluster's leader, else 0.")
        .callback(gauge -> gauge.call(self(Membership.Node::leader) ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("fluke_cluster_git_singleton")
        .help("1 when this node runs the cluster's Git singleton (the oldest Up member), else 0.")
        .callback(
            gauge -> {
              String holder = singletonNode.get();
              gauge.call(holder != null && self(n -> n.address().equals(holder)) ? 1 : 0);
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("fluke_cluster_directory_agents")
        .help(
            "Agents in this node's replica of the cluster's agent directory: live (a session on"
                + " some node) or ended (last session over).")
        .labelNames("state")
        .callback(
            gauge -> {
              gauge.call(directory.live(), "live");
              gauge.call(directory.ended(), "ended");
            })
        .register(registry);
  }

  private boolean self(java.util.function.Predicate<Membership.Node> test) {
    return members.get().stream().anyMatch(n -> n.self() && test.test(n));
  }

  /** Live and ended entries per directory shard, kept by a subscriber to the shards. */
  static final class DirectoryCounts {
    private final AtomicLongArray live = new AtomicLongArray(AgentLocations.SHARDS);
    private final AtomicLongArray ended = new AtomicLongArray(AgentLocations.SHARDS);

    long live() {
      return sum(live);
    }

    long ended() {
      return sum(ended);
    }

    void count(int shard, Iterable<AgentLocation> entries) {
      long l = 0;
      long e = 0;
      for (AgentLocation a : entries) {
        if (a.live()) {
          l++;
        } else {
          e++;
        }
      }
      live.set(shard, l);
      ended.set(shard, e);
    }

    private static long sum(AtomicLongArray a) {
      long s = 0;
      for (int i = 0; i < a.length(); i++) {
        s += a.get(i);
      }
      return s;
    }

    private record Changed(int shard, LWWMap<String, AgentLocation> map) {}

    /** Subscribes to every directory shard and recounts a shard when it changes. */
    Behavior<Object> subscriber() {
      return Behaviors.setup(
          ctx ->
              DistributedData.withReplicatorMessageAdapter(
                  (ReplicatorMessageAdapter<Object, LWWMap<String, AgentLocation>> replicator) -> {
                    // One function for every shard: Pekko keeps one subscription adapter per
                    // actor (the last registered), so the shard is read from each change's key.
                    for (int i = 0; i < AgentLocations.SHARDS; i++) {
                      replicator.subscribe(
                          AgentLocations.key(i),
                          rsp ->
                              rsp instanceof Replicator.Changed<LWWMap<String, AgentLocation>> c
                                  ? new Changed(
                                      AgentLocations.shardOfKey(c.key().id()), c.get(c.key()))
                                  : rsp);
                    }
                    return Behaviors.receiveMessage(
                        msg -> {
                          if (msg instanceof Changed c) {
                            count(c.shard(), c.map().getEntries().values());
                          }
                          return Behaviors.same();
                        });
                  }));
    }
  }
}

package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.config.ListenAddress;
import dev.fluke.config.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;

/**
 * N cluster nodes in one JVM over real Artery TCP on 127.0.0.1 (free ports), each an actor system
 * configured by {@link ClusterBoot} as a server with a cluster block would be. The first node forms
 * the cluster, the others join it. Closing terminates every node still running.
 */
public final class ClusterNodes implements AutoCloseable {
  final List<ActorSystem<Void>> systems = new ArrayList<>();

  public static ClusterNodes start(int n) {
    return start(n, ConfigFactory.empty());
  }

  /** {@code overrides} win over the cluster configuration (e.g. shorter timeouts). */
  public static ClusterNodes start(int n, Config overrides) {
    ClusterNodes nodes = new ClusterNodes();
    try {
      for (int i = 0; i < n; i++) {
        nodes.systems.add(
            ActorSystem.create(Behaviors.empty(), ClusterBoot.SYSTEM_NAME, config(overrides)));
      }
      Address first = Cluster.get(nodes.systems.get(0)).selfMember().address();
      for (ActorSystem<Void> s : nodes.systems) {
        Cluster.get(s).manager().tell(Join.create(first));
      }
      nodes.awaitUp(n);
      return nodes;
    } catch (RuntimeException | Error e) {
      nodes.close();
      throw e;
    }
  }

  static Config config(Config overrides) {
    ServerConfig.Cluster cluster =
        ServerConfig.Cluster.plaintext(new ListenAddress("127.0.0.1", 0), List.of());
    return overrides
        .withFallback(
            ClusterBoot.config(cluster, Optional.empty(), Optional.empty(), ConfigFactory.load()))
        .resolve();
  }

  /**
   * Starts one more node with the same configuration, joining the first one, and waits until every
   * running node sees it Up; returns its index.
   */
  public int add(Config overrides) {
    ActorSystem<Void> s =
        ActorSystem.create(Behaviors.empty(), ClusterBoot.SYSTEM_NAME, config(overrides));
    systems.add(s);
    Cluster.get(s).manager().tell(Join.create(Cluster.get(node(0)).selfMember().address()));
    awaitUp(running().size());
    return systems.size() - 1;
  }

  public ActorSystem<Void> node(int i) {
    return systems.get(i);
  }

  public String address(int i) {
    return Cluster.get(node(i)).selfMember().address().toString();
  }

  /** Waits until every running node sees {@code n} Up members. */
  public void awaitUp(int n) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                running().stream()
                    .allMatch(
                        s -> {
                          int up = 0;
                          for (var m : Cluster.get(s).state().getMembers()) {
                            if (m.status() == MemberStatus.up()) {
                              up++;
                            }
                          }
                          return up == n;
                        }));
  }

  /**
   * Cuts node {@code i} off from every other node (Artery's test mode blackhole, both directions;
   * needs {@code pekko.remote.artery.advanced.test-mode = on}): a silent partition.
   */
  public void isolate(int i) {
    throttle(i, ThrottlerTransportAdapter.blackholeThrottleMode());
  }

  /** Ends {@link #isolate}. */
  public void heal(int i) {
    throttle(i, ThrottlerTransportAdapter.unthrottledThrottleMode());
  }

  private void throttle(int i, ThrottlerTransportAdapter.ThrottleMode mode) {
    var provider =
        (RemoteActorRefProvider) ((ExtendedActorSystem) Adapter.toClassic(node(i))).provider();
    for (int j = 0; j < systems.size(); j++) {
      if (j != i) {
        Address other = Cluster.get(node(j)).selfMember().address();
        provider
            .transport()
            .managementCommand(
                new ThrottlerTransportAdapter.SetThrottle(
                    other, ThrottlerTransportAdapter.bothDirection(), mode));
      }
    }
  }

  /** True when node {@code observer} sees node {@code node} as unreachable. */
  public boolean unreachable(int observer, int node) {
    return Membership.of(node(observer)).unreachable().contains(address(node));
  }

  List<ActorSystem<Void>> running() {
    return systems.stream().filter(s -> !s.whenTerminated().isCompleted()).toList();
  }

  @Override
  public void close() {
    for (ActorSystem<Void> s : systems) {
      s.terminate();
    }
    for (ActorSystem<Void> s : systems) {
      s.getWhenTerminated().toCompletableFuture().join();
    }
  }
}

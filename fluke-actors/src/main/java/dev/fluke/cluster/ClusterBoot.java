package dev.fluke.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.fluke.config.ListenAddress;
import dev.fluke.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * The Pekko configuration of a cluster node, made from server.hcl's {@code cluster} block: {@code
 * fluke-cluster.conf} (provider, serializers, split-brain resolver, coordinated shutdown) with this
 * node's addresses, its seeds and, when the server has TLS, Artery over TLS with mutual
 * authentication ({@code RotatingKeysSSLEngineProvider}: the node's identity is the server's tls
 * certificate and key, its peers must be issued by {@code ca_file}). A server without a cluster
 * block never gets here and runs with the local actor provider, as before.
 */
public final class ClusterBoot {
  /** The actor system's name: the same on every node (it is part of every cluster address). */
  public static final String SYSTEM_NAME = "fluke-server";

  private static final String ROTATING_KEYS =
      "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider";

  private ClusterBoot() {}

  /** The file in {@code data_dir} that says this node has been an Up member of its cluster. */
  public static final String MEMBER_MARKER = "cluster-member";

  /**
   * @param certFile the server's tls cert_file (the node's identity when cluster TLS is on)
   * @param keyFile the server's tls key_file
   * @param app the application's configuration; the cluster keys win over it
   */
  public static Config config(
      ServerConfig.Cluster cluster, Optional<Path> certFile, Optional<Path> keyFile, Config app) {
    return config(cluster, certFile, keyFile, app, ConfigFactory.systemProperties(), false);
  }

  /**
   * As above for a node whose data lives in {@code dataDir}: a first seed that was a member before
   * ({@link #rememberMembership}) waits longer for the other seeds before it forms a cluster alone.
   */
  public static Config config(
      ServerConfig.Cluster cluster,
      Optional<Path> certFile,
      Optional<Path> keyFile,
      Config app,
      Path dataDir) {
    return config(
        cluster,
        certFile,
        keyFile,
        app,
        ConfigFactory.systemProperties(),
        Files.exists(dataDir.resolve(MEMBER_MARKER)));
  }

  /**
   * Writes {@link #MEMBER_MARKER} into {@code dataDir} once this node is an Up member (kept across
   * restarts; what it changes: {@link #config(ServerConfig.Cluster, Optional, Optional, Config,
   * Path)}).
   */
  public static void rememberMembership(ActorSystem<?> system, Path dataDir) {
    org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system))
        .registerOnMemberUp(
            () -> {
              try {
                Files.createDirectories(dataDir);
                Files.writeString(
                    dataDir.resolve(MEMBER_MARKER),
                    Membership.of(system).self() + " was an Up member\n");
              } catch (IOException e) {
                system
                    .log()
                    .warn(
                        "Could not note in {} that this node was a cluster member: {}",
                        dataDir,
                        e.toString());
              }
            });
  }

  /**
   * As above, with {@code overrides} (the JVM's system properties: {@code FLUKE_JAVA_OPTS="-Dpekko.
   * cluster.failure-detector.acceptable-heartbeat-pause=6s"}) winning over fluke-cluster.conf's
   * tuning, but never over the node's addresses, seeds and TLS from server.hcl.
   */
  static Config config(
      ServerConfig.Cluster cluster,
      Optional<Path> certFile,
      Optional<Path> keyFile,
      Config app,
      Config overrides) {
    return config(cluster, certFile, keyFile, app, overrides, false);
  }

  /**
   * @param wasMember this node was an Up member of its cluster before (it is restarting): when it
   *     is the first seed, it waits {@code fluke.cluster.first-seed-rejoin-timeout} rather than
   *     {@code seed-node-timeout} (5 s) for an answer from the other seeds before forming a cluster
   *     alone. A first seed that restarts while the others run must join them: if they answer late
   *     (a busy machine) it would otherwise form a second cluster beside them. When every other
   *     seed says it is not in a cluster either (a cold start of all nodes), Pekko forms the
   *     cluster at once.
   */
  static Config config(
      ServerConfig.Cluster cluster,
      Optional<Path> certFile,
      Optional<Path> keyFile,
      Config app,
      Config overrides,
      boolean wasMember) {
    Config node =
        ConfigFactory.empty()
            .withValue(
                "pekko.remote.artery.canonical.hostname",
                ConfigValueFactory.fromAnyRef(cluster.advertise().bindHost()))
            .withValue(
                "pekko.remote.artery.canonical.port",
                ConfigValueFactory.fromAnyRef(cluster.advertise().port()))
            .withValue(
                "pekko.remote.artery.bind.hostname",
                ConfigValueFactory.fromAnyRef(cluster.listen().bindHost()))
            .withValue(
                "pekko.remote.artery.bind.port",
                ConfigValueFactory.fromAnyRef(cluster.listen().port()))
            .withValue(
                "pekko.cluster.seed-nodes",
                ConfigValueFactory.fromIterable(
                    cluster.seeds().stream().map(ClusterBoot::address).toList()));
    if (cluster.tls()) {
      Path cert = certFile.orElseThrow(() -> new IllegalArgumentException("no tls cert_file"));
      Path key = keyFile.orElseThrow(() -> new IllegalArgumentException("no tls key_file"));
      Path ca = cluster.caFile().orElseThrow(() -> new IllegalArgumentException("no ca_file"));
      String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
      node =
          node.withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
              .withValue(
                  "pekko.remote.artery.ssl.ssl-engine-provider",
                  ConfigValueFactory.fromAnyRef(ROTATING_KEYS))
              .withValue(
                  engine + "cert-file",
                  ConfigValueFactory.fromAnyRef(cert.toAbsolutePath().toString()))
              .withValue(
                  engine + "key-file",
                  ConfigValueFactory.fromAnyRef(key.toAbsolutePath().toString()))
              .withValue(
                  engine + "ca-cert-file",
                  ConfigValueFactory.fromAnyRef(ca.toAbsolutePath().toString()));
    }
    if (!cluster.rebalance()) {
      node =
          node.withValue("fluke.cluster.rebalance.enabled", ConfigValueFactory.fromAnyRef(false));
    }
    Config tuned =
        overrides
            .withFallback(ConfigFactory.parseResources("fluke-cluster.conf"))
            .withFallback(app)
            .resolve();
    if (wasMember
        && !cluster.seeds().isEmpty()
        && cluster.seeds().get(0).equals(cluster.advertise())) {
      node =
          node.withValue(
              "pekko.cluster.seed-node-timeout",
              tuned.getValue("fluke.cluster.first-seed-rejoin-timeout"));
    }
    return node.withFallback(tuned).resolve();
  }

  /** The cluster address of a node: {@code pekko://fluke-server@host:port}. */
  public static String address(ListenAddress a) {
    return "pekko://" + SYSTEM_NAME + "@" + a;
  }

  /** True when {@code system} runs with the cluster provider (server.hcl has a cluster block). */
  public static boolean enabled(ActorSystem<?> system) {
    return enabled(system.settings().config());
  }

  static boolean enabled(Config config) {
    String provider = config.getString("pekko.actor.provider");
    return provider.equals("cluster")
        || provider.equals("org.apache.pekko.cluster.ClusterActorRefProvider");
  }

  /**
   * The full address of the node holding {@code ref} (a local ref's own path has no host: this
   * node's address is used for it).
   */
  public static String addressOf(ActorSystem<?> system, ActorRef<?> ref) {
    org.apache.pekko.actor.Address a = ref.path().address();
    return a.hasLocalScope()
        ? org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address().toString()
        : a.toString();
  }

  /**
   * True when {@code system} shut down because the cluster downed this node (split-brain resolver,
   * or an operator's {@code down}): the server then exits with {@link #DOWNED_EXIT_CODE}.
   */
  public static boolean downed(ActorSystem<?> system) {
    return CoordinatedShutdown.get(system)
        .getShutdownReason()
        .filter(r -> r == CoordinatedShutdown.clusterDowningReason())
        .isPresent();
  }

  /** The exit status of a server whose node was downed: non-zero, so systemd restarts it. */
  public static final int DOWNED_EXIT_CODE = 3;

  /** {@code fluke.cluster.ask-timeout}: how long a node waits for another one to answer. */
  public static java.time.Duration askTimeout(ActorSystem<?> system) {
    return system.settings().config().getDuration("fluke.cluster.ask-timeout");
  }

  /**
   * Why this node does not serve as a cluster member ({@code /readyz}): empty when it is Up (or
   * weakly up), else its member status.
   */
  public static Optional<String> notServing(ActorSystem<?> system) {
    Membership m = Membership.of(system);
    return m.selfUp()
        ? Optional.empty()
        : Optional.of("this node is a cluster member with status " + m.selfStatus() + ", not up");
  }

  /** The seed addresses, for logs. */
  public static List<String> seeds(ServerConfig.Cluster cluster) {
    return cluster.seeds().stream().map(ClusterBoot::address).toList();
  }
}

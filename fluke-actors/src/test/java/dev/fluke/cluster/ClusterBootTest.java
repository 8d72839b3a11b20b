package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.config.ListenAddress;
import dev.fluke.config.ServerConfig;
import dev.fluke.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterBootTest {
  private static final ServerConfig.Cluster PLAIN =
      new ServerConfig.Cluster(
          new ListenAddress("0.0.0.0", 7072),
          new ListenAddress("10.0.0.1", 7072),
          List.of(new ListenAddress("10.0.0.1", 7072), new ListenAddress("10.0.0.2", 7072)),
          false,
          Optional.empty());

  @Test
  void systemPropertiesTuneTheClusterButNeverMoveTheNodesAddressOrSeeds() {
    Config overrides =
        ConfigFactory.parseMap(
            java.util.Map.of(
                "pekko.cluster.failure-detector.acceptable-heartbeat-pause", "6s",
                "pekko.cluster.split-brain-resolver.stable-after", "12s",
                "pekko.remote.artery.canonical.port", "9999"));
    Config c =
        ClusterBoot.config(
            PLAIN, Optional.empty(), Optional.empty(), ConfigFactory.load(), overrides);
    assertEquals(
        Duration.ofSeconds(6),
        c.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
    assertEquals(
        Duration.ofSeconds(12), c.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(7072, c.getInt("pekko.remote.artery.canonical.port"));
  }

  @Test
  void aClustersAgentsHeartbeatEveryTwoSecondsUnlessASystemPropertySaysOtherwise() {
    // A frozen node's agents notice it after 3 heartbeat intervals: 6 s in a cluster, while a
    // single server keeps the 10 s of fluke-server.conf.
    Config cluster =
        ClusterBoot.config(PLAIN, Optional.empty(), Optional.empty(), ConfigFactory.load());
    assertEquals(
        Duration.ofSeconds(2), ServerSettings.create(cluster).agents().heartbeatInterval());
    assertEquals(
        Duration.ofSeconds(10),
        ServerSettings.create(ConfigFactory.load()).agents().heartbeatInterval());
    Config overridden =
        ClusterBoot.config(
            PLAIN,
            Optional.empty(),
            Optional.empty(),
            ConfigFactory.load(),
            ConfigFactory.parseMap(
                java.util.Map.of("fluke.server.agents.heartbeat-interval", "5s")));
    assertEquals(
        Duration.ofSeconds(5), ServerSettings.create(overridden).agents().heartbeatInterval());
  }

  @Test
  void aClusterBlockMakesAClusterNodeWithKeepMajorityAndNoJavaSerialization() {
    Config c = ClusterBoot.config(PLAIN, Optional.empty(), Optional.empty(), ConfigFactory.load());
    assertTrue(ClusterBoot.enabled(c));
    assertEquals("tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals("0.0.0.0", c.getString("pekko.remote.artery.bind.hostname"));
    assertEquals(7072, c.getInt("pekko.remote.artery.bind.port"));
    assertEquals("10.0.0.1", c.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(
        List.of("pekko://fluke-server@10.0.0.1:7072", "pekko://fluke-server@10.0.0.2:7072"),
        c.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(
        "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        c.getString("pekko.cluster.downing-provider-class"));
    assertEquals(
        "keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(
        Duration.ofSeconds(7), c.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertTrue(c.getBoolean("pekko.cluster.run-coordinated-shutdown-when-down"));
    assertFalse(c.getBoolean("pekko.actor.allow-java-serialization"));
    assertEquals(
        "jackson-cbor",
        c.getString("pekko.actor.serialization-bindings.\"dev.fluke.cluster.CborSerializable\""));
  }

  @Test
  void withTlsArteryUsesTlsWithTheServersCertificateAndThePeersCa() {
    ServerConfig.Cluster tls =
        new ServerConfig.Cluster(
            PLAIN.listen(),
            PLAIN.advertise(),
            PLAIN.seeds(),
            true,
            Optional.of(Path.of("/etc/ca.pem")));
    Config c =
        ClusterBoot.config(
            tls,
            Optional.of(Path.of("/etc/server.pem")),
            Optional.of(Path.of("/etc/server.key")),
            ConfigFactory.load());
    assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals(
        "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
        c.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
    String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
    assertEquals("/etc/server.pem", c.getString(engine + "cert-file"));
    assertEquals("/etc/server.key", c.getString(engine + "key-file"));
    assertEquals("/etc/ca.pem", c.getString(engine + "ca-cert-file"));
  }

  @Test
  void aFirstSeedThatWasAMemberWaitsLongerForTheOthersBeforeFormingAClusterAlone() {
    Config overrides = ConfigFactory.empty();
    Config fresh =
        ClusterBoot.config(
            PLAIN, Optional.empty(), Optional.empty(), ConfigFactory.load(), overrides, false);
    assertEquals(Duration.ofSeconds(5), fresh.getDuration("pekko.cluster.seed-node-timeout"));
    Config restarted =
        ClusterBoot.config(
            PLAIN, Optional.empty(), Optional.empty(), ConfigFactory.load(), overrides, true);
    assertEquals(Duration.ofSeconds(60), restarted.getDuration("pekko.cluster.seed-node-timeout"));
    // another seed retries its joins every seed-node-timeout: that stays short
    ServerConfig.Cluster second =
        new ServerConfig.Cluster(
            PLAIN.listen(),
            new ListenAddress("10.0.0.2", 7072),
            PLAIN.seeds(),
            false,
            Optional.empty());
    Config other =
        ClusterBoot.config(
            second, Optional.empty(), Optional.empty(), ConfigFactory.load(), overrides, true);
    assertEquals(Duration.ofSeconds(5), other.getDuration("pekko.cluster.seed-node-timeout"));
  }

  @Test
  void rebalancingTurnedOffInServerHclTurnsTheRebalancerOff() {
    Config on = ClusterBoot.config(PLAIN, Optional.empty(), Optional.empty(), ConfigFactory.load());
    assertTrue(on.getBoolean("fluke.cluster.rebalance.enabled"));
    ServerConfig.Cluster off =
        new ServerConfig.Cluster(
            PLAIN.listen(), PLAIN.advertise(), PLAIN.seeds(), false, Optional.empty(), false);
    Config c = ClusterBoot.config(off, Optional.empty(), Optional.empty(), ConfigFactory.load());
    assertFalse(c.getBoolean("fluke.cluster.rebalance.enabled"));
  }

  @Test
  void aNodeNotesInItsDataDirThatItWasAMemberOnceItIsUp(@TempDir Path data) {
    try (ClusterNodes nodes = ClusterNodes.start(1)) {
      ClusterBoot.rememberMembership(nodes.node(0), data);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.exists(data.resolve(ClusterBoot.MEMBER_MARKER)));
    }
  }

  @Test
  void withoutAClusterBlockTheProviderStaysLocal() {
    assertFalse(ClusterBoot.enabled(ConfigFactory.load()));
  }
}

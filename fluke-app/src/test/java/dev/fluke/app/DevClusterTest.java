package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.config.ConfigLoader;
import dev.fluke.config.ListenAddress;
import dev.fluke.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nodes {@code fluke dev --nodes N} starts: their ports and their server.hcl. */
class DevClusterTest {
  @TempDir Path tmp;

  @Test
  void theNodesTakeTheExampleClustersPortsAndEachIsASeed() throws Exception {
    List<DevCluster.Node> nodes = DevCluster.layout(tmp, 3, 7070, 7071);
    assertEquals(List.of(7070, 7080, 7090), nodes.stream().map(DevCluster.Node::grpcPort).toList());
    assertEquals(List.of(7071, 7081, 7091), nodes.stream().map(DevCluster.Node::httpPort).toList());
    assertEquals(
        List.of(7072, 7082, 7092), nodes.stream().map(DevCluster.Node::clusterPort).toList());

    for (DevCluster.Node n : nodes) {
      Path file = tmp.resolve("server-" + n.number() + ".hcl");
      Files.writeString(
          file,
          DevCluster.serverHcl(n, nodes, tmp.resolve("manifests"), "tok", Duration.ofSeconds(5)));
      ServerConfig c = new ConfigLoader().loadServer(file, Map.of());
      assertEquals(new ListenAddress("127.0.0.1", n.grpcPort()), c.listenGrpc());
      assertEquals(new ListenAddress("127.0.0.1", n.httpPort()), c.listenHttp());
      assertEquals(List.of("tok"), c.agentTokens());
      assertEquals(n.dir().resolve("data"), c.dataDir());
      assertFalse(c.tls().enabled());
      assertEquals(ServerConfig.EventStore.Backend.MEMORY, c.eventStore().backend());
      assertEquals(tmp.resolve("manifests").toUri().toString(), c.git().url());
      assertEquals(Duration.ofSeconds(5), c.git().pollInterval());
      ServerConfig.Cluster cluster = c.cluster().orElseThrow();
      assertEquals(new ListenAddress("127.0.0.1", n.clusterPort()), cluster.listen());
      assertEquals(
          List.of(
              new ListenAddress("127.0.0.1", 7072),
              new ListenAddress("127.0.0.1", 7082),
              new ListenAddress("127.0.0.1", 7092)),
          cluster.seeds());
    }
  }

  @Test
  void aNodesLastErrorLineIsWhatDevReports() throws Exception {
    Path log = tmp.resolve("server.log");
    Files.writeString(
        log,
        "2026-12-06T10:35:12.349Z ERROR o.a.pekko.io.TcpListener - Bind failed\n"
            + "error: could not listen: Address already in use\n"
            + "2026-12-06T10:35:12.736Z INFO  Remoting shut down.\n");
    assertEquals("error: could not listen: Address already in use", DevCluster.lastError(log));
    assertEquals("", DevCluster.lastError(tmp.resolve("no-such.log")));
  }

  @Test
  void aNodeIsStartedAgainOnlyOnceTheClusterFormedAndAfterItsFirstSeconds() {
    assertTrue(DevCluster.startsAgain(true, Duration.ofMinutes(5)));
    assertTrue(DevCluster.startsAgain(true, DevCluster.EARLY_EXIT));
    assertFalse(DevCluster.startsAgain(true, Duration.ofSeconds(2)), "it failed at its start");
    assertFalse(
        DevCluster.startsAgain(false, Duration.ofMinutes(5)),
        "the cluster never formed: dev stops");
  }
}

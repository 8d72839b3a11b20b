package dev.fluke.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.ManifestError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server { cluster { … } }}: addresses, seeds, and TLS like the listeners. */
class ClusterConfigTest {
  @TempDir Path dir;

  private final ConfigLoader loader = new ConfigLoader(() -> "host-1");

  private static final String LOOPBACK =
      """
      server {
        listen_grpc  = "127.0.0.1:7070"
        listen_http  = "127.0.0.1:7071"
        agent_tokens = ["agent-secret"]
        git { url = "https://example.org/fleet.git" }
      %s
      }
      """;

  private ServerConfig parse(String content) throws ConfigException {
    return loader.parseServer(dir.resolve("server.hcl").toString(), content, Map.of());
  }

  private List<String> errors(String content) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(content));
    return e.errors().stream().map(ManifestError::format).toList();
  }

  @Test
  void withoutAClusterBlockTheServerIsASingleNode() throws Exception {
    assertEquals(Optional.empty(), parse(LOOPBACK.formatted("")).cluster());
  }

  @Test
  void aLoopbackClusterIsPlaintextWithoutBeingAskedTo() throws Exception {
    ServerConfig c =
        parse(
            LOOPBACK.formatted(
                """
                  cluster {
                    listen = "127.0.0.1:7072"
                    seeds  = ["127.0.0.1:7072", "127.0.0.1:7082"]
                  }
                """));
    ServerConfig.Cluster cluster = c.cluster().orElseThrow();
    assertEquals(new ListenAddress("127.0.0.1", 7072), cluster.listen());
    assertEquals(cluster.listen(), cluster.advertise());
    assertEquals(
        List.of(new ListenAddress("127.0.0.1", 7072), new ListenAddress("127.0.0.1", 7082)),
        cluster.seeds());
    assertFalse(cluster.tls());
    assertTrue(cluster.rebalance(), "rebalancing is on unless turned off");
  }

  @Test
  void rebalancingCanBeTurnedOff() throws Exception {
    ServerConfig c =
        parse(
            LOOPBACK.formatted(
                """
                  cluster {
                    listen    = "127.0.0.1:7072"
                    seeds     = ["127.0.0.1:7072"]
                    rebalance = false
                  }
                """));
    assertFalse(c.cluster().orElseThrow().rebalance());
  }

  @Test
  void plaintextOffLoopbackMustBeChosenExplicitly() throws Exception {
    String block =
        """
          tls { enabled = false }
          cluster {
            listen = "10.0.0.1:7072"
            seeds  = ["10.0.0.1:7072", "10.0.0.2:7072"]
          %s
          }
        """;
    List<String> errors = errors(LOOPBACK.formatted(block.formatted("")));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(
        errors.get(0).contains(":7:3: cluster traffic would be plaintext off loopback"),
        errors.get(0));
    ServerConfig c = parse(LOOPBACK.formatted(block.formatted("  plaintext = true")));
    assertFalse(c.cluster().orElseThrow().tls());
  }

  @Test
  void aServerWithTlsAuthenticatesItsPeersWithTheClusterCa() throws Exception {
    for (String f : List.of("node.crt", "node.key", "cluster-ca.pem")) {
      Files.writeString(dir.resolve(f), "x");
    }
    String tls =
        """
          tls {
            cert_file = "node.crt"
            key_file  = "node.key"
          }
          cluster {
            listen    = "0.0.0.0:7072"
            advertise = "node-1.example.org:7072"
            seeds     = ["node-1.example.org:7072", "node-2.example.org:7072"]
            %s
          }
        """;
    ServerConfig c = parse(LOOPBACK.formatted(tls.formatted("ca_file = \"cluster-ca.pem\"")));
    ServerConfig.Cluster cluster = c.cluster().orElseThrow();
    assertTrue(cluster.tls());
    assertEquals(Optional.of(dir.resolve("cluster-ca.pem")), cluster.caFile());
    assertEquals(new ListenAddress("node-1.example.org", 7072), cluster.advertise());
    List<String> errors = errors(LOOPBACK.formatted(tls.formatted("")));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("set ca_file"), errors.get(0));
  }

  @Test
  void badAddressesAndSharedPortsAreReportedWithTheirPositions() {
    List<String> errors =
        errors(
            LOOPBACK.formatted(
                """
                  cluster {
                    listen = "127.0.0.1:7071"
                    seeds  = ["nope", "127.0.0.1:0"]
                  }
                """));
    assertEquals(3, errors.size(), errors.toString());
    assertTrue(
        errors.get(0).contains(":7:14: cluster listen 127.0.0.1:7071 uses the same port"),
        errors.toString());
    assertTrue(errors.get(1).contains(":8:14: bad seed \"nope\""), errors.get(1));
    assertTrue(errors.get(2).contains(":8:14: bad seed \"127.0.0.1:0\""), errors.get(2));
  }

  @Test
  void listeningOnAllInterfacesNeedsAnAdvertisedAddressAndSeedsAreRequired() {
    List<String> errors =
        errors(
            LOOPBACK.formatted(
                """
                  tls { enabled = false }
                  cluster {
                    listen    = ":7072"
                    plaintext = true
                  }
                """));
    assertTrue(errors.stream().anyMatch(e -> e.contains("add advertise")), errors.toString());
    assertTrue(errors.stream().anyMatch(e -> e.contains("seeds")), errors.toString());
  }
}

package dev.fluke.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.ConfigFactory;
import dev.fluke.config.ListenAddress;
import dev.fluke.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster traffic over TLS with real certificates (docs/security.md, "Cluster traffic"): actor
 * systems configured by {@link ClusterBoot} exactly as a server with {@code tls} and {@code
 * cluster.ca_file} is (Artery {@code tls-tcp}, Pekko's {@code RotatingKeysSSLEngineProvider},
 * mutual authentication), over real Artery on 127.0.0.1, with certificates made by the real {@code
 * openssl}. Three nodes with certificates of the cluster's CA form a cluster; a node with a
 * certificate of another CA, a node speaking plaintext Artery, and a node whose certificate (of the
 * right CA) shares no subject name with the others never become members.
 */
class ClusterTlsTest {
  /** How long an intruder keeps trying (join retries every few seconds) while we watch. */
  private static final Duration WATCH = Duration.ofSeconds(12);

  /** The subject name every node's certificate carries (Pekko checks that peers share one). */
  private static final String CLUSTER_NAME = "fluke-cluster.test";

  @TempDir Path tmp;
  private Ca clusterCa;
  private final List<ActorSystem<Void>> systems = new ArrayList<>();

  @BeforeEach
  void makeTheCa() throws Exception {
    clusterCa = Ca.create(tmp.resolve("cluster-ca"), "Fluke cluster CA");
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    systems.forEach(ActorSystem::terminate);
    for (ActorSystem<Void> s : systems) {
      // Bounded: once in a full run, two of these systems (intruders whose TLS handshakes had
      // failed, as far as their threads showed) never finished terminating, and an unbounded join
      // hung the whole suite. What this class asserts is in its tests; the leftover threads end
      // with the test JVM.
      try {
        s.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        System.err.println(
            "ClusterTlsTest: " + s.address() + " did not terminate within 60 s: " + e);
      }
    }
  }

  @Test
  void threeNodesWithCertificatesOfTheClusterCaFormAClusterOverMutualTls() throws Exception {
    List<ActorSystem<Void>> nodes = formCluster();
    for (ActorSystem<Void> node : nodes) {
      assertEquals("tls-tcp", node.settings().config().getString("pekko.remote.artery.transport"));
      assertEquals(3, upMembers(node).size(), "three Up members seen from " + address(node));
    }
  }

  @Test
  void aNodeOfAnotherCaAPlaintextNodeAndANodeSharingNoNameNeverBecomeMembers() throws Exception {
    List<ActorSystem<Void>> nodes = formCluster();
    Address seed = address(nodes.get(0));

    Ca otherCa = Ca.create(tmp.resolve("other-ca"), "Some other CA");
    Cert foreign = otherCa.issue("intruder", CLUSTER_NAME);
    ActorSystem<Void> ofAnotherCa = tlsNode(foreign, otherCa.cert());
    ActorSystem<Void> plaintext =
        start(ClusterNodes.config(ConfigFactory.empty())); // Artery tcp, no TLS
    ActorSystem<Void> noSharedName =
        tlsNode(clusterCa.issue("stranger", "stranger.test"), clusterCa.cert());
    List<ActorSystem<Void>> intruders = List.of(ofAnotherCa, plaintext, noSharedName);
    for (ActorSystem<Void> intruder : intruders) {
      Cluster.get(intruder).manager().tell(Join.create(seed));
    }

    await()
        .during(WATCH)
        .atMost(WATCH.plusSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                nodes.stream().allMatch(n -> members(n).size() == 3)
                    && intruders.stream()
                        .allMatch(i -> Cluster.get(i).selfMember().status() != MemberStatus.up()));
    for (ActorSystem<Void> node : nodes) {
      for (ActorSystem<Void> intruder : intruders) {
        assertEquals(
            List.of(),
            members(node).stream().filter(m -> m.address().equals(address(intruder))).toList(),
            address(intruder) + " is not a member seen from " + address(node));
      }
    }
    // The cluster itself is untouched: still three Up members on every node.
    for (ActorSystem<Void> node : nodes) {
      assertEquals(3, upMembers(node).size());
    }
    assertNotEquals(
        "tls-tcp", plaintext.settings().config().getString("pekko.remote.artery.transport"));
  }

  // ---- nodes ----

  /** Three TLS nodes with certificates of the cluster CA, joined to the first; all Up. */
  private List<ActorSystem<Void>> formCluster() throws Exception {
    List<ActorSystem<Void>> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(tlsNode(clusterCa.issue("node-" + i, CLUSTER_NAME), clusterCa.cert()));
    }
    Address first = address(nodes.get(0));
    for (ActorSystem<Void> n : nodes) {
      Cluster.get(n).manager().tell(Join.create(first));
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> nodes.stream().allMatch(n -> upMembers(n).size() == 3));
    return nodes;
  }

  /** A node as ClusterBoot configures a server with tls and cluster.ca_file. */
  private ActorSystem<Void> tlsNode(Cert cert, Path caFile) {
    ServerConfig.Cluster cluster =
        new ServerConfig.Cluster(
            new ListenAddress("127.0.0.1", 0),
            new ListenAddress("127.0.0.1", 0),
            List.of(),
            true,
            Optional.of(caFile));
    return start(
        ClusterBoot.config(
            cluster, Optional.of(cert.crt()), Optional.of(cert.key()), ConfigFactory.load()));
  }

  private ActorSystem<Void> start(com.typesafe.config.Config config) {
    ActorSystem<Void> s = ActorSystem.create(Behaviors.empty(), ClusterBoot.SYSTEM_NAME, config);
    systems.add(s);
    return s;
  }

  private static Address address(ActorSystem<?> s) {
    return Cluster.get(s).selfMember().address();
  }

  private static List<Member> members(ActorSystem<?> s) {
    List<Member> all = new ArrayList<>();
    Cluster.get(s).state().getMembers().forEach(all::add);
    return all;
  }

  private static List<Member> upMembers(ActorSystem<?> s) {
    return members(s).stream().filter(m -> m.status() == MemberStatus.up()).toList();
  }

  // ---- certificates, made with the real openssl ----

  private record Cert(Path crt, Path key) {}

  /** A CA in a directory: ca.crt and ca.key; issues node certificates for client and server. */
  private record Ca(Path dir) {
    static Ca create(Path dir, String name) throws IOException, InterruptedException {
      Files.createDirectories(dir);
      openssl(
          dir,
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "ca.key",
          "-out",
          "ca.crt",
          "-days",
          "30",
          "-subj",
          "/CN=" + name,
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign");
      return new Ca(dir);
    }

    Path cert() {
      return dir.resolve("ca.crt");
    }

    /** A node certificate: CN {@code name}, SANs {@code name}, {@code shared} and 127.0.0.1. */
    Cert issue(String name, String shared) throws IOException, InterruptedException {
      openssl(
          dir,
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          name + ".key",
          "-out",
          name + ".csr",
          "-subj",
          "/CN=" + name);
      Files.writeString(
          dir.resolve(name + ".ext"),
          "subjectAltName=DNS:"
              + name
              + ",DNS:"
              + shared
              + ",IP:127.0.0.1\n"
              + "extendedKeyUsage=serverAuth,clientAuth\n"
              + "keyUsage=critical,digitalSignature,keyEncipherment\n");
      openssl(
          dir,
          "x509",
          "-req",
          "-in",
          name + ".csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-days",
          "30",
          "-extfile",
          name + ".ext",
          "-out",
          name + ".crt");
      return new Cert(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of("openssl"));
      command.addAll(List.of(args));
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed:\n" + out);
      }
    }
  }
}

package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.ServerConnector;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS against a real gRPC server on loopback with the real agent connector, certificates
 * made in the test by the real openssl: a good certificate registers; one from another CA, one
 * without a certificate at all, one whose name is not the agent's, and a revoked one are refused;
 * revoking a certificate ends the stream that is open with it.
 */
class MutualTlsIT {
  private static final String TOKEN = "good-token";
  private static final Duration WAIT = Duration.ofSeconds(20);

  static final ActorTestKit testKit =
      ActorTestKit.create(
          "MutualTlsIT",
          ConfigFactory.parseString(
                  "fluke.grpc.server.crl-check-interval = 200ms\n"
                      + "pekko.test.single-expect-default = 20s")
              .withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;
  private final ActorSystem<?> system = testKit.system();
  private final ScriptedGateway gateway = new ScriptedGateway(system);
  private TestCerts server;
  private TestPki pki;
  private ServerBinding binding;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = TestCerts.create(Files.createDirectories(dir.resolve("server")));
    pki = TestPki.create(dir.resolve("ca"), "Fluke agents CA");
    binding =
        GrpcServer.bind(
                system,
                "127.0.0.1",
                0,
                gateway,
                Set.of(TOKEN),
                Optional.of(new TlsFiles(server.cert(), server.key())),
                Optional.of(new ClientCertificates(pki.caCert(), Optional.of(pki.crl()))))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterEach
  void stop() throws Exception {
    binding.terminate(Duration.ofMillis(300)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Status.Code codeOf(Throwable failure) {
    return assertInstanceOf(StatusRuntimeException.class, failure).getStatus().getCode();
  }

  private AgentCall connect(Optional<TlsFiles> certificate) {
    ServerConnector connector =
        new GrpcServerConnector(
            TestClients.of(system),
            "grpcs://127.0.0.1:" + port,
            TOKEN,
            Optional.of(server.cert()),
            false,
            certificate);
    return AgentCall.open(connector);
  }

  private static AgentMessage.Register register(String name) {
    return new AgentMessage.Register(name, Map.of("role", "web"), "1.0.0", List.of("shell"));
  }

  @Test
  void anAgentWithACertificateInItsNameRegisters() throws Exception {
    AgentCall agent = connect(Optional.of(pki.issue("web-01")));
    agent.send(register("web-01"));

    ScriptedGateway.Session session = gateway.nextSession();
    assertEquals(register("web-01"), session.next());
    session.send(new ServerMessage.Registered("1.0.0", 10_000));
    assertEquals(new ServerMessage.Registered("1.0.0", 10_000), agent.next());
  }

  @Test
  void aCertificateWithoutSubjectAlternativeNamesIsMatchedOnItsCommonName() throws Exception {
    AgentCall agent = connect(Optional.of(pki.issue("db-01", "/O=Fluke/CN=db-01", "")));
    agent.send(register("db-01"));

    assertEquals(register("db-01"), gateway.nextSession().next());
  }

  @Test
  void oneHostsCertificateCannotRegisterAsAnotherHost() throws Exception {
    AgentCall agent = connect(Optional.of(pki.issue("web-01")));
    agent.send(register("db-01"));
    // The stream reaches the gateway (which reads, as the server's does), but no Register does.
    ScriptedGateway.Session session = gateway.nextSession();

    Throwable failure = agent.error();
    assertEquals(
        Status.Code.PERMISSION_DENIED,
        assertInstanceOf(StatusRuntimeException.class, failure).getStatus().getCode());
    assertTrue(
        failure.getMessage().contains("does not allow registering as 'db-01'"),
        failure.getMessage());
    assertTrue(failure.getMessage().contains("[web-01]"), failure.getMessage());
    Object first = session.fromAgent().expectEvent(WAIT);
    assertTrue(
        first instanceof TestSubscriber.OnError || first instanceof TestSubscriber.OnComplete$,
        "the gateway saw " + first);
  }

  @Test
  void aCertificateFromAnotherCaIsRefusedAtTheHandshake() throws Exception {
    TestPki other = TestPki.create(dir.resolve("other-ca"), "Fluke agents CA");
    AgentCall agent = connect(Optional.of(other.issue("web-01")));
    agent.send(register("web-01"));

    assertEquals(Status.Code.UNAVAILABLE, codeOf(agent.error()));
    assertEquals(0, gateway.connects());
  }

  @Test
  void anAgentWithoutACertificateIsRefusedAtTheHandshake() throws Exception {
    AgentCall agent = connect(Optional.empty());
    agent.send(register("web-01"));

    assertEquals(Status.Code.UNAVAILABLE, codeOf(agent.error()));
    assertEquals(0, gateway.connects());
  }

  @Test
  void aRevokedCertificateIsRefusedAndItsOpenStreamEnds() throws Exception {
    TlsFiles web = pki.issue("web-01");
    TlsFiles other = pki.issue("web-02");
    AgentCall open = connect(Optional.of(web));
    open.send(register("web-01"));
    ScriptedGateway.Session session = gateway.nextSession();
    assertEquals(register("web-01"), session.next());
    AgentCall unaffected = connect(Optional.of(other));
    unaffected.send(register("web-02"));
    ScriptedGateway.Session otherSession = gateway.nextSession();
    assertEquals(register("web-02"), otherSession.next());

    pki.revoke(web);

    // The open stream ends as soon as the server sees the new CRL (crl-check-interval).
    Throwable ended = open.error();
    assertEquals(
        Status.Code.PERMISSION_DENIED,
        assertInstanceOf(StatusRuntimeException.class, ended).getStatus().getCode());
    assertTrue(ended.getMessage().contains("was revoked"), ended.getMessage());
    // A new connection with it is refused at the handshake.
    int before = gateway.connects();
    AgentCall again = connect(Optional.of(web));
    again.send(register("web-01"));
    assertEquals(Status.Code.UNAVAILABLE, codeOf(again.error()));
    assertEquals(before, gateway.connects());
    // The other host's certificate is not touched, nor its stream.
    otherSession.send(new ServerMessage.Heartbeat(7));
    assertEquals(new ServerMessage.Heartbeat(7), unaffected.next());

    // A broken CRL file does not drop the revocations read before.
    Files.writeString(pki.crl(), "not a CRL");
    AgentCall stillRefused = connect(Optional.of(web));
    stillRefused.send(register("web-01"));
    assertEquals(Status.Code.UNAVAILABLE, codeOf(stillRefused.error()));
  }

  @Test
  void clientCertificatesNeedTlsAndAUsableCaAndCrl() throws Exception {
    ClientCertificates files = new ClientCertificates(pki.caCert(), Optional.of(pki.crl()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            GrpcServer.bind(
                system,
                "127.0.0.1",
                0,
                gateway,
                Set.of(TOKEN),
                Optional.empty(),
                Optional.of(files)));
    TestPki other = TestPki.create(dir.resolve("other-ca"), "Other CA");
    IllegalArgumentException foreignCrl =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                AgentCertificates.load(
                    new ClientCertificates(pki.caCert(), Optional.of(other.crl())),
                    java.time.Clock.systemUTC()));
    assertTrue(
        foreignCrl.getMessage().contains("not issued by a CA of client_ca_file"),
        foreignCrl.getMessage());
  }
}

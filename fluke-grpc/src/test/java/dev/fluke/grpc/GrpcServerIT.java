package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.ServerConnector;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentServiceClient;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server on a loopback port and real clients: the gRPC adapter end to end. */
class GrpcServerIT {

  private static final int LIMIT = 64 * 1024;
  private static final String TOKEN = "good-token";
  private static final Duration WAIT = Duration.ofSeconds(20);

  static final ActorTestKit testKit =
      ActorTestKit.create(
          "GrpcServerIT",
          ConfigFactory.parseString(
                  "fluke.grpc.server.max-inbound-message-size = "
                      + LIMIT
                      // An agent stream is one HTTP request that never "completes": it must outlive
                      // this.
                      + "\npekko.http.server.request-timeout = 1s"
                      // A live server answers a call at once, whatever its gateway does: the
                      // streams below that stay silent for longer than this must not end.
                      + "\nfluke.grpc.client.answer-timeout = 1s"
                      // expectError() waits this long: a first call (class loading, Netty) on two
                      // busy cores can take longer than the default 3 s.
                      + "\npekko.test.single-expect-default = 20s")
              .withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private final ActorSystem<?> system = testKit.system();
  private final ScriptedGateway gateway = new ScriptedGateway(system);
  private ServerBinding binding;

  @AfterEach
  void unbind() throws Exception {
    if (binding != null) {
      binding.terminate(Duration.ofMillis(300)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private int bind(Optional<TlsFiles> tls) throws Exception {
    binding =
        GrpcServer.bind(system, "127.0.0.1", 0, gateway, Set.of(TOKEN, "other-token"), tls)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return binding.localAddress().getPort();
  }

  /** A client stream through the real connector: what the agent sends, and what it receives. */
  private AgentCall open(ServerConnector connector) {
    return AgentCall.open(connector);
  }

  /** A raw client stream that can send any envelope, with or without a token. */
  private record RawClient(
      TestPublisher.Probe<AgentEnvelope> out, TestSubscriber.Probe<ServerEnvelope> in) {}

  private RawClient openRaw(int port, Optional<String> token) {
    AgentServiceClient client =
        AgentServiceClient.create(
            GrpcClientSettings.connectToServiceAt("127.0.0.1", port, system).withTls(false),
            system);
    Pair<TestPublisher.Probe<AgentEnvelope>, Source<AgentEnvelope, NotUsed>> requests =
        TestSource.<AgentEnvelope>create(system).preMaterialize(system);
    var call = client.connect();
    if (token.isPresent()) {
      call = call.addHeader("authorization", "Bearer " + token.get());
    }
    TestSubscriber.Probe<ServerEnvelope> responses =
        call.invoke(requests.second()).runWith(TestSink.create(system), system);
    responses.request(Long.MAX_VALUE);
    return new RawClient(requests.first(), responses);
  }

  private static Status.Code statusOf(Throwable t) {
    return assertInstanceOf(StatusRuntimeException.class, t).getStatus().getCode();
  }

  private static AgentMessage.Register register() {
    return new AgentMessage.Register(
        "web-01", Map.of("role", "web"), "1.0.0", List.of("mise", "shell"));
  }

  @Test
  void messagesRoundTripBetweenTheConnectorAndTheGateway() throws Exception {
    int port = bind(Optional.empty());
    AgentCall agent =
        open(new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, TOKEN));

    agent.send(register());
    ScriptedGateway.Session session = gateway.nextSession();
    assertEquals(register(), session.next());
    assertTrue(session.peer().startsWith("127.0.0.1:"), session.peer());

    session.send(new ServerMessage.Registered("1.0.0", 10_000));
    assertEquals(new ServerMessage.Registered("1.0.0", 10_000), agent.next());
    ServerMessage.CheckRequest request =
        new ServerMessage.CheckRequest(3, List.of(ProtoMappingTest.sampleTask()));
    session.send(request);
    assertEquals(request, agent.next());
    AgentMessage.CheckReport report =
        new AgentMessage.CheckReport(3, List.of(ProtoMappingTest.sampleOutcome()));
    agent.send(report);
    assertEquals(report, session.next());
    AgentMessage.ApplyResult result =
        new AgentMessage.ApplyResult(3, ProtoMappingTest.sampleOutcome(), false);
    agent.send(result);
    assertEquals(result, session.next());
    assertEquals(
        new ServerMessage.ApplyResultAck(3, ProtoMappingTest.sampleOutcome().task()), agent.next());
  }

  @Test
  void callWithoutATokenIsUnauthenticatedAndNeverReachesTheGateway() throws Exception {
    int port = bind(Optional.empty());
    RawClient raw = openRaw(port, Optional.empty());

    raw.out().sendNext(ProtoMapping.toProto(register()));

    assertEquals(Status.Code.UNAUTHENTICATED, statusOf(raw.in().expectError()));
    assertEquals(0, gateway.connects());
  }

  @Test
  void callWithAWrongTokenIsUnauthenticatedAndNeverReachesTheGateway() throws Exception {
    int port = bind(Optional.empty());
    AgentCall agent =
        open(
            new GrpcServerConnector(
                TestClients.of(system), "grpc://127.0.0.1:" + port, "guessed-token"));

    agent.send(register());

    assertEquals(Status.Code.UNAUTHENTICATED, statusOf(agent.error()));
    assertEquals(0, gateway.connects());
  }

  @Test
  void protocolViolationEndsOnlyThatStream() throws Exception {
    int port = bind(Optional.empty());
    AgentCall good =
        open(new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, TOKEN));
    good.send(register());
    ScriptedGateway.Session goodSession = gateway.nextSession();
    goodSession.next(AgentMessage.Register.class);

    RawClient bad = openRaw(port, Optional.of(TOKEN));
    bad.out().sendNext(ProtoMapping.toProto(register()));
    gateway.nextSession().next(AgentMessage.Register.class);
    bad.out().sendNext(AgentEnvelope.getDefaultInstance());

    Throwable failure = bad.in().expectError();
    assertEquals(Status.Code.INVALID_ARGUMENT, statusOf(failure));
    assertTrue(failure.getMessage().contains("no oneof case set"), failure.getMessage());
    goodSession.send(new ServerMessage.Heartbeat(1));
    assertEquals(new ServerMessage.Heartbeat(1), good.next());
    good.send(new AgentMessage.Heartbeat(2));
    assertEquals(new AgentMessage.Heartbeat(2), goodSession.next());
  }

  @Test
  void gatewayFailuresBecomeStatuses() throws Exception {
    int port = bind(Optional.empty());
    GrpcServerConnector connector =
        new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, TOKEN);
    AgentCall first = open(connector);
    first.send(register());
    ScriptedGateway.Session violated = gateway.nextSession();
    violated.next(AgentMessage.Register.class);
    AgentCall second = open(connector);
    second.send(register());
    ScriptedGateway.Session broken = gateway.nextSession();
    broken.next(AgentMessage.Register.class);

    violated
        .toAgent()
        .sendError(new dev.fluke.protocol.ProtocolViolation("CheckReport for a cycle never asked"));
    broken.toAgent().sendError(new IllegalStateException("session bug with secret details"));
    AgentCall third = open(connector);
    third.send(register());
    ScriptedGateway.Session moved = gateway.nextSession();
    moved.next(AgentMessage.Register.class);
    moved.toAgent().sendError(new dev.fluke.protocol.Rebalancing("this node holds 9 of 12"));

    Throwable m = third.error();
    assertEquals(Status.Code.UNAVAILABLE, statusOf(m));
    assertTrue(dev.fluke.protocol.Rebalancing.describes(m.getMessage()), m.getMessage());
    assertTrue(m.getMessage().contains("this node holds 9 of 12"), m.getMessage());
    Throwable v = first.error();
    assertEquals(Status.Code.INVALID_ARGUMENT, statusOf(v));
    assertTrue(v.getMessage().contains("CheckReport for a cycle never asked"), v.getMessage());
    Throwable b = second.error();
    assertEquals(Status.Code.INTERNAL, statusOf(b));
    assertFalse(b.getMessage().contains("secret"), b.getMessage());
  }

  @Test
  void oversizedMessageIsRefusedAndTheServerCarriesOn() throws Exception {
    int port = bind(Optional.empty());
    RawClient raw = openRaw(port, Optional.of(TOKEN));
    AgentMessage.Register huge =
        new AgentMessage.Register(
            "web-01", Map.of("blob", "x".repeat(LIMIT + 1)), "1.0.0", List.of());

    raw.out().sendNext(ProtoMapping.toProto(huge));

    Throwable failure = raw.in().expectError();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, statusOf(failure));
    assertTrue(failure.getMessage().contains("larger than the limit"), failure.getMessage());
    gateway.nextSession(); // the refused stream had been authenticated and handed to the gateway
    AgentCall next =
        open(new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, TOKEN));
    next.send(register());
    assertEquals(register(), gateway.nextSession().next(AgentMessage.Register.class));
  }

  @Test
  void aLongStreamCarriesMoreThanAnyHttpEntityLimit() throws Exception {
    int port = bind(Optional.empty());
    AgentCall agent =
        open(new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, TOKEN));
    agent.send(register());
    ScriptedGateway.Session session = gateway.nextSession();
    session.next(AgentMessage.Register.class);
    String line = "y".repeat(LIMIT - 1024);
    int messages = 12 * 1024 * 1024 / line.length();

    for (int i = 0; i < messages; i++) {
      agent.send(new AgentMessage.ApplyOutput(1, "t", "a", i + line));
      assertEquals(i + line, session.next(AgentMessage.ApplyOutput.class).line());
    }
  }

  @Test
  void aServerWhoseKernelAcceptsTheConnectionButThatNeverAnswersIsLeft() throws Exception {
    // A stopped process (kill -STOP): its listening socket still completes TCP handshakes.
    try (ServerSocket stopped = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AgentCall agent =
          open(
              new GrpcServerConnector(
                  TestClients.of(system), "grpc://127.0.0.1:" + stopped.getLocalPort(), TOKEN));
      agent.send(register());
      Throwable why = agent.error();
      assertInstanceOf(GrpcServerConnector.ServerDidNotAnswer.class, why);
      assertTrue(why.getMessage().contains("did not answer within 1s"), why.getMessage());
    }
  }

  @Test
  void aStreamOutlivesTheHttpRequestTimeout() throws Exception {
    int port = bind(Optional.empty());
    AgentCall agent =
        open(new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, TOKEN));
    agent.send(register());
    ScriptedGateway.Session session = gateway.nextSession();
    session.next(AgentMessage.Register.class);

    Thread.sleep(2_500); // more than twice the request timeout configured above

    session.send(new ServerMessage.Heartbeat(1));
    assertEquals(new ServerMessage.Heartbeat(1), agent.next());
    agent.send(new AgentMessage.Heartbeat(2));
    assertEquals(new AgentMessage.Heartbeat(2), session.next());
  }

  @Test
  void tlsWithTheServersCaFileWorks(@TempDir Path dir) throws Exception {
    TestCerts certs = TestCerts.create(dir);
    int port = bind(Optional.of(new TlsFiles(certs.cert(), certs.key())));
    AgentCall agent =
        open(
            new GrpcServerConnector(
                TestClients.of(system),
                "grpcs://127.0.0.1:" + port,
                TOKEN,
                Optional.of(certs.cert()),
                false));

    agent.send(register());

    assertEquals(register(), gateway.nextSession().next());
  }

  @Test
  void tlsServerWithAnUntrustedCertificateIsRefusedUnlessVerificationIsSkipped(@TempDir Path dir)
      throws Exception {
    TestCerts certs = TestCerts.create(dir);
    int port = bind(Optional.of(new TlsFiles(certs.cert(), certs.key())));
    AgentCall verifying =
        open(new GrpcServerConnector(TestClients.of(system), "grpcs://127.0.0.1:" + port, TOKEN));
    verifying.send(register());
    assertEquals(Status.Code.UNAVAILABLE, statusOf(verifying.error()));
    assertEquals(0, gateway.connects());

    AgentCall skipping =
        open(
            new GrpcServerConnector(
                TestClients.of(system),
                "grpcs://127.0.0.1:" + port,
                TOKEN,
                Optional.empty(),
                true));
    skipping.send(register());
    assertEquals(register(), gateway.nextSession().next());
  }

  @Test
  void badServerUrlsAndTlsOptionsAreRefusedUpFront() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new GrpcServerConnector(TestClients.of(system), "http://x:1", TOKEN));
    assertThrows(
        IllegalArgumentException.class,
        () -> new GrpcServerConnector(TestClients.of(system), "grpc://x:1/path", TOKEN));
    assertThrows(
        IllegalArgumentException.class,
        () -> new GrpcServerConnector(TestClients.of(system), "grpc://x:1", " "));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new GrpcServerConnector(
                TestClients.of(system), "grpc://x:1", TOKEN, Optional.empty(), true));
  }
}

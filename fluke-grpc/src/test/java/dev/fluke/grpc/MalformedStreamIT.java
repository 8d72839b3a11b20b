package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fluke.protocol.AgentMessage;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Malformed agent streams against a real gRPC server on loopback, written byte by byte (HTTP/2 with
 * handcrafted gRPC frames): each ends promptly with the status docs/protocol.md documents, never
 * with OK, and none is logged as a server error. The server runs with its default limits.
 */
class MalformedStreamIT {
  private static final String TOKEN = "good-token";

  /** How long a test waits for a status: "promptly" is a bound here, not a measured time. */
  private static final long WAIT_SECONDS = 30;

  static final ActorTestKit testKit = ActorTestKit.create("MalformedStreamIT");

  /** The raw client's own actor system, so that what it logs is told apart from the server's. */
  static final ActorTestKit clientKit = ActorTestKit.create("RawClient");

  @AfterAll
  static void shutdown() {
    clientKit.shutdownTestKit();
    testKit.shutdownTestKit();
  }

  private final ActorSystem<?> system = testKit.system();
  private final java.util.concurrent.atomic.AtomicInteger connects =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * A server side that reads everything an agent sends and sends nothing back, as a session does
   * while it waits for the agent: what ends each stream is the transport's doing alone.
   */
  private final dev.fluke.server.AgentGateway gateway =
      peer -> {
        connects.incrementAndGet();
        return org.apache.pekko.stream.javadsl.Flow.fromSinkAndSourceCoupled(
            org.apache.pekko.stream.javadsl.Sink.ignore(),
            Source.<dev.fluke.protocol.ServerMessage>maybe()
                .mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()));
      };

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private ServerBinding binding;
  private int port;

  @BeforeEach
  void bind() throws Exception {
    logs.start();
    root().addAppender(logs);
    binding =
        GrpcServer.bind(system, "127.0.0.1", 0, gateway, Set.of(TOKEN), Optional.empty())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
  }

  @AfterEach
  void unbind() throws Exception {
    root().detachAppender(logs);
    binding
        .terminate(java.time.Duration.ofMillis(300))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** The agent ends its side after {@code body}. */
  private RawGrpcCall.Result call(Source<ByteString, ?> body) throws Exception {
    return call(body, true);
  }

  /**
   * @param endStream false: the agent keeps its side open after {@code body} (and cancels it once
   *     the status came, as gRPC clients do)
   */
  private RawGrpcCall.Result call(Source<ByteString, ?> body, boolean endStream) throws Exception {
    return RawGrpcCall.call(clientKit.system(), port, TOKEN, body, endStream)
        .toCompletableFuture()
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private static ByteString register() {
    return RawGrpcCall.frame(
        ProtoMapping.toProto(
                new AgentMessage.Register(
                    "web-01", Map.of("role", "web"), "1.0.0", List.of("shell")))
            .toByteArray());
  }

  private void assertStatus(Status.Code expected, RawGrpcCall.Result result, String messagePart) {
    assertEquals(200, result.httpStatus(), result.toString());
    assertEquals(Optional.of(expected.value()), result.status(), result.toString());
    assertTrue(result.message().contains(messagePart), result.toString());
  }

  private void assertNoErrorLogged() {
    List<String> errors =
        logs.list.stream()
            .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
            .filter(e -> !"RawClient".equals(e.getMDCPropertyMap().get("sourceActorSystem")))
            .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage())
            .toList();
    assertEquals(List.of(), errors, "no ERROR log on the server for a malformed stream");
  }

  @Test
  void aMessageThatDoesNotDecodeIsInvalidArgumentWithoutAnErrorLog() throws Exception {
    // field 1 (register) says 100 bytes follow, the message has 2
    RawGrpcCall.Result first =
        call(Source.single(RawGrpcCall.frame(new byte[] {0x0A, 0x64, 0x01, 0x02})), false);
    assertStatus(Status.Code.INVALID_ARGUMENT, first, "does not decode as fluke.v1.AgentEnvelope");

    // a valid Register, then a message with an invalid wire type
    RawGrpcCall.Result later =
        call(Source.from(List.of(register(), RawGrpcCall.frame(new byte[] {0x0F, 0x00}))), false);
    assertStatus(Status.Code.INVALID_ARGUMENT, later, "does not decode");
    assertNoErrorLogged();
  }

  @Test
  void aTruncatedFrameEndsWithAnErrorStatusNotOk() throws Exception {
    // a Register, then a frame declaring 100 bytes of which 10 arrive before the stream ends
    RawGrpcCall.Result body =
        call(
            Source.from(
                List.of(register(), RawGrpcCall.header(100), ByteString.fromArray(new byte[10]))));
    assertStatus(Status.Code.INVALID_ARGUMENT, body, "truncated");

    // the stream ends inside a frame header
    RawGrpcCall.Result header =
        call(Source.from(List.of(register(), RawGrpcCall.header(100).take(3))));
    assertStatus(Status.Code.INVALID_ARGUMENT, header, "truncated");
    assertNoErrorLogged();
  }

  @Test
  void aSeventeenMegabyteMessageIsResourceExhaustedPromptly() throws Exception {
    int size = 17 * 1000 * 1000;
    ByteString chunk = ByteString.fromArray(new byte[64 * 1024]);
    Source<ByteString, ?> payload =
        Source.repeat(chunk)
            .take((size + chunk.size() - 1) / chunk.size())
            .map(c -> c); // 17 MB (a little over) of payload after the header
    // as the first message, the agent still sending and then keeping its side open
    RawGrpcCall.Result first = call(Source.single(RawGrpcCall.header(size)).concat(payload), false);
    assertStatus(Status.Code.RESOURCE_EXHAUSTED, first, "larger than the limit");

    // after a Register, the agent ending its side after the message
    RawGrpcCall.Result later =
        call(
            Source.single(register())
                .concat(Source.single(RawGrpcCall.header(size)))
                .concat(payload));
    assertStatus(Status.Code.RESOURCE_EXHAUSTED, later, "larger than the limit");
    assertNoErrorLogged();
  }

  @Test
  void aCompressedMessageIsResourceExhausted() throws Exception {
    ByteString compressed = ByteString.fromArray(new byte[] {1, 0, 0, 0, 2, 0x1f, (byte) 0x8b});
    RawGrpcCall.Result result = call(Source.single(compressed), false);
    assertStatus(Status.Code.RESOURCE_EXHAUSTED, result, "compressed");
    assertNoErrorLogged();
  }

  @Test
  void aCallWithoutTheTokenIsUnauthenticated() throws Exception {
    RawGrpcCall.Result result =
        RawGrpcCall.call(clientKit.system(), port, null, Source.single(register()), true)
            .toCompletableFuture()
            .get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertStatus(Status.Code.UNAUTHENTICATED, result, "token");
    assertEquals(0, connects.get());
  }
}

package dev.fluke.grpc;

import dev.fluke.agent.ServerConnector;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentService;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.hcl.Durations;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcChannel;
import org.apache.pekko.grpc.GrpcChannel$;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.grpc.GrpcResponseMetadata;
import org.apache.pekko.grpc.internal.JavaBidirectionalStreamingRequestBuilder;
import org.apache.pekko.grpc.internal.NettyClientUtils;
import org.apache.pekko.grpc.internal.ProtoMarshaller;
import org.apache.pekko.grpc.javadsl.StreamResponseRequestBuilder;
import org.apache.pekko.stream.KillSwitch;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's way to the server over gRPC ({@code agent { server_url, token, tls {...} }}): {@code
 * grpc://host:port} is cleartext HTTP/2, {@code grpcs://host:port} is TLS, verified against the
 * system's trust store, or only {@code ca_file} when given, or not at all with {@code
 * insecure_skip_verify} (logged every time). With {@code tls { cert_file key_file }} the agent
 * presents its own certificate to a server that asks for one (mutual TLS). The port defaults to
 * 7070.
 *
 * <p>Every {@link #connect()} materialization is exactly one attempt on a fresh channel that is
 * closed when the stream ends: the client's own reconnect loop is off ({@code connection-attempts =
 * 1}), so a refused or broken connection fails the flow and the agent decides when to try again,
 * and where: with {@code server_urls} the agent holds one connector per server (the same token and
 * TLS settings for each) and moves on to the next one. The token goes with every call as {@code
 * authorization: Bearer <token>}.
 *
 * <p>The call is made on a {@link GrpcChannel} with the request builder the generated client uses,
 * not through the generated {@code AgentServiceClient}: that client registers a close hook on the
 * actor system's termination that is never removed, so a client per attempt would leave about 6 KB
 * behind for every failed attempt while the server is down (about 18 MB per day at the 30 s maximum
 * backoff; measured by {@code ReconnectMemoryBench}, docs/performance.md). A channel deregisters
 * itself when closed. (A single long-lived client would avoid the hook too, but would put
 * grpc-java's own reconnect backoff, up to 120 s, in charge instead of the agent's.)
 */
public final class GrpcServerConnector implements ServerConnector {
  private static final Logger log = LoggerFactory.getLogger(GrpcServerConnector.class);
  private static final int DEFAULT_PORT = 7070;

  private final ActorSystem<?> system;
  private final String serverUrl;
  private final String authorization;
  private final boolean insecure;
  private final GrpcClientSettings settings;
  private final CallOptions options;
  private final Duration answerTimeout;

  /** {@code AgentService.Connect}, described as the generated client describes it. */
  private static final MethodDescriptor<AgentEnvelope, ServerEnvelope> CONNECT =
      MethodDescriptor.<AgentEnvelope, ServerEnvelope>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(AgentService.name, "Connect"))
          .setRequestMarshaller(
              new ProtoMarshaller<>(AgentService.Serializers.AgentEnvelopeSerializer))
          .setResponseMarshaller(
              new ProtoMarshaller<>(AgentService.Serializers.ServerEnvelopeSerializer))
          .setSampledToLocalTracing(true)
          .build();

  /** A {@code grpc://} or {@code grpcs://} server checked against the system's trust store. */
  public GrpcServerConnector(ActorSystem<?> system, String serverUrl, String token) {
    this(system, serverUrl, token, Optional.empty(), false);
  }

  /**
   * @param caFile PEM certificate(s) to trust instead of the system's trust store ({@code grpcs://}
   *     only)
   * @param insecureSkipVerify accept any server certificate ({@code grpcs://} only; for labs)
   * @throws IllegalArgumentException for a bad URL, a blank token, an unreadable CA file, or TLS
   *     options on a {@code grpc://} URL
   */
  public GrpcServerConnector(
      ActorSystem<?> system,
      String serverUrl,
      String token,
      Optional<Path> caFile,
      boolean insecureSkipVerify) {
    this(system, serverUrl, token, caFile, insecureSkipVerify, Optional.empty());
  }

  /**
   * @param clientCertificate the agent's own certificate and key ({@code tls { cert_file key_file
   *     }}), presented to a server that asks for client certificates (mutual TLS; {@code grpcs://}
   *     only)
   * @throws IllegalArgumentException as above, or when the certificate or key cannot be used
   */
  public GrpcServerConnector(
      ActorSystem<?> system,
      String serverUrl,
      String token,
      Optional<Path> caFile,
      boolean insecureSkipVerify,
      Optional<TlsFiles> clientCertificate) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the agent token must not be empty");
    }
    URI uri = parse(serverUrl);
    boolean tls = uri.getScheme().equals("grpcs");
    if (!tls && (caFile.isPresent() || insecureSkipVerify || clientCertificate.isPresent())) {
      throw new IllegalArgumentException(
          "ca_file, insecure_skip_verify, cert_file and key_file need a grpcs:// server_url, got "
              + serverUrl);
    }
    this.system = system;
    this.serverUrl = serverUrl;
    this.authorization = "Bearer " + token.trim();
    this.insecure = tls && insecureSkipVerify;
    GrpcSettings grpc = GrpcSettings.create(system);
    this.answerTimeout = grpc.clientAnswerTimeout();
    String host =
        uri.getHost().startsWith("[")
            ? uri.getHost().substring(1, uri.getHost().length() - 1)
            : uri.getHost();
    GrpcClientSettings s =
        GrpcClientSettings.connectToServiceAt(
                host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), system)
            .withTls(tls)
            .withConnectionAttempts(1)
            .withChannelBuilderOverrides(
                b ->
                    b.keepAliveTime(grpc.clientKeepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                        .keepAliveTimeout(
                            grpc.clientKeepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .maxInboundMessageSize(grpc.clientMaxInboundMessageSize())
                        .withOption(
                            ChannelOption.CONNECT_TIMEOUT_MILLIS,
                            (int) grpc.clientConnectTimeout().toMillis()));
    TrustManager trust = null; // the system's trust store
    if (insecure) {
      trust = Pem.trustEverything();
      log.warn(
          "insecure_skip_verify is set: the certificate of {} will NOT be verified", serverUrl);
    } else if (caFile.isPresent()) {
      trust = Pem.trustManager(caFile.get());
    }
    if (clientCertificate.isPresent()) {
      // The agent's certificate for servers that ask for one (mutual TLS), with the same trust.
      s = s.withSslContext(Pem.clientContext(clientCertificate.get(), trust));
    } else if (trust != null) {
      s = s.withTrustManager(trust);
    }
    this.settings = s;
    this.options = NettyClientUtils.callOptions(s);
  }

  /** The URL as configured, for the agent's log. */
  @Override
  public String address() {
    return serverUrl;
  }

  @Override
  public Flow<AgentMessage, ServerMessage, NotUsed> connect() {
    return Flow.<AgentMessage>create()
        .map(ProtoMapping::toProto)
        // prefixAndTail(0) hands over the agent's messages as one Source, which is what a gRPC call
        // takes.
        .prefixAndTail(0)
        .flatMapConcat(prefixAndTail -> call(prefixAndTail.second()))
        .map(ProtoMapping::fromProto);
  }

  private Source<ServerEnvelope, NotUsed> call(Source<AgentEnvelope, NotUsed> requests) {
    if (insecure) {
      log.warn(
          "Connecting to {} WITHOUT verifying its certificate (insecure_skip_verify)", serverUrl);
    }
    GrpcChannel channel = GrpcChannel$.MODULE$.apply(settings, system);
    StreamResponseRequestBuilder<Source<AgentEnvelope, NotUsed>, ServerEnvelope> connect =
        new JavaBidirectionalStreamingRequestBuilder<>(
            CONNECT, channel.internalChannel(), options, settings, system.executionContext());
    return connect
        .addHeader("authorization", authorization)
        .invokeWithMetadata(requests)
        .viaMat(KillSwitches.single(), Keep.both())
        .mapMaterializedValue(answered -> awaitAnswer(answered.first(), answered.second()))
        .watchTermination(
            (notUsed, done) -> {
              done.whenComplete((ok, failure) -> channel.closeCS());
              return notUsed;
            });
  }

  /**
   * Ends the call when the server has not answered it ({@code headers}: its response headers, sent
   * by a live server as soon as the call reaches it) within {@code client.answer-timeout}: a
   * stopped or wedged process whose kernel still accepts connections, which would otherwise keep
   * the agent waiting for the whole register timeout.
   */
  private NotUsed awaitAnswer(CompletionStage<GrpcResponseMetadata> headers, KillSwitch call) {
    Cancellable timeout =
        system
            .scheduler()
            .scheduleOnce(
                answerTimeout,
                () ->
                    call.abort(
                        new ServerDidNotAnswer(
                            "the server accepted the connection but did not answer within "
                                + Durations.format(answerTimeout))),
                system.executionContext());
    headers.whenComplete((metadata, failure) -> timeout.cancel());
    return NotUsed.getInstance();
  }

  /** A connected server that did not answer the call in time (a stopped or wedged process). */
  public static final class ServerDidNotAnswer extends RuntimeException {
    ServerDidNotAnswer(String message) {
      super(message, null, false, false);
    }
  }

  private static URI parse(String serverUrl) {
    URI uri;
    try {
      uri = new URI(serverUrl == null ? "" : serverUrl.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("server_url is not a URL: " + serverUrl, e);
    }
    if (!"grpc".equals(uri.getScheme()) && !"grpcs".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "server_url must start with grpc:// or grpcs://, got " + serverUrl);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("server_url has no host: " + serverUrl);
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
        || uri.getRawQuery() != null) {
      throw new IllegalArgumentException(
          "server_url must be just grpc[s]://host:port, got " + serverUrl);
    }
    return uri;
  }
}

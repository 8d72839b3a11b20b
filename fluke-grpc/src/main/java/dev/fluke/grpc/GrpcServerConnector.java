package dev.fluke.grpc;

import com.typesafe.config.Config;
import dev.fluke.agent.ServerConnector;
import dev.fluke.agent.actor.Cancellable;
import dev.fluke.agent.actor.Scheduler;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentService;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.hcl.Durations;
import dev.fluke.protocol.AgentMessage;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2SecurityUtil;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.grpc.protobuf.ProtoUtils;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
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
 * <p>Every {@link #open} is exactly one attempt on a fresh channel that is shut down when the call
 * ends: nothing in the channel dials again (a call on a channel whose one connection attempt failed
 * fails at once), so a refused or broken connection ends the call and the agent decides when to try
 * again, and where: with {@code server_urls} the agent holds one connector per server (the same
 * token and TLS settings for each) and moves on to the next one. The token goes with every call as
 * {@code authorization: Bearer <token>}.
 *
 * <p>The call is grpc-java's own {@link ClientCall} on its Netty transport, the same transport
 * Pekko gRPC's client runs on, without Pekko Streams and Pekko gRPC's client around it: the agent
 * loads about 600 classes fewer (docs/performance.md, "The agent's footprint: its own transport").
 * The call's callbacks run on the transport's event loop ({@code directExecutor}): they only hand
 * messages to the agent's actors. Its flow control is the agent's: one server message at a time
 * ({@link ServerConnector.Call#request()}), and {@code isReady} for what the agent sends.
 */
public final class GrpcServerConnector implements ServerConnector {
  private static final Logger log = LoggerFactory.getLogger(GrpcServerConnector.class);
  private static final int DEFAULT_PORT = 7070;
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code AgentService.Connect}, described as the generated client describes it. */
  private static final MethodDescriptor<AgentEnvelope, ServerEnvelope> CONNECT =
      MethodDescriptor.<AgentEnvelope, ServerEnvelope>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(AgentService.name, "Connect"))
          .setRequestMarshaller(ProtoUtils.marshaller(AgentEnvelope.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(ServerEnvelope.getDefaultInstance()))
          .build();

  /**
   * What every connector of an agent process shares: the transport's settings ({@code fluke.grpc})
   * and the agent's scheduler (the answer timeout).
   */
  public record Client(GrpcSettings settings, Scheduler scheduler) {
    public static Client of(Config config, Scheduler scheduler) {
      return new Client(GrpcSettings.create(config), scheduler);
    }
  }

  private final Scheduler scheduler;
  private final String serverUrl;
  private final String authorization;
  private final boolean insecure;
  private final String host;
  private final int port;
  private final SslContext tls; // null: cleartext
  private final GrpcSettings grpc;

  /** A {@code grpc://} or {@code grpcs://} server checked against the system's trust store. */
  public GrpcServerConnector(Client client, String serverUrl, String token) {
    this(client, serverUrl, token, Optional.empty(), false);
  }

  /**
   * @param caFile PEM certificate(s) to trust instead of the system's trust store ({@code grpcs://}
   *     only)
   * @param insecureSkipVerify accept any server certificate ({@code grpcs://} only; for labs)
   * @throws IllegalArgumentException for a bad URL, a blank token, an unreadable CA file, or TLS
   *     options on a {@code grpc://} URL
   */
  public GrpcServerConnector(
      Client client,
      String serverUrl,
      String token,
      Optional<Path> caFile,
      boolean insecureSkipVerify) {
    this(client, serverUrl, token, caFile, insecureSkipVerify, Optional.empty());
  }

  /**
   * @param clientCertificate the agent's own certificate and key ({@code tls { cert_file key_file
   *     }}), presented to a server that asks for client certificates (mutual TLS; {@code grpcs://}
   *     only)
   * @throws IllegalArgumentException as above, or when the certificate or key cannot be used
   */
  public GrpcServerConnector(
      Client client,
      String serverUrl,
      String token,
      Optional<Path> caFile,
      boolean insecureSkipVerify,
      Optional<TlsFiles> clientCertificate) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the agent token must not be empty");
    }
    URI uri = parse(serverUrl);
    boolean useTls = uri.getScheme().equals("grpcs");
    if (!useTls && (caFile.isPresent() || insecureSkipVerify || clientCertificate.isPresent())) {
      throw new IllegalArgumentException(
          "ca_file, insecure_skip_verify, cert_file and key_file need a grpcs:// server_url, got "
              + serverUrl);
    }
    this.scheduler = client.scheduler();
    this.serverUrl = serverUrl;
    this.authorization = "Bearer " + token.trim();
    this.insecure = useTls && insecureSkipVerify;
    this.grpc = client.settings();
    this.host =
        uri.getHost().startsWith("[")
            ? uri.getHost().substring(1, uri.getHost().length() - 1)
            : uri.getHost();
    this.port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    TrustManager trust = null; // the system's trust store
    if (insecure) {
      trust = Pem.trustEverything();
      log.warn(
          "insecure_skip_verify is set: the certificate of {} will NOT be verified", serverUrl);
    } else if (caFile.isPresent()) {
      trust = Pem.trustManager(caFile.get());
    }
    this.tls = useTls ? tlsContext(trust, clientCertificate) : null;
  }

  /**
   * The client's TLS context, with HTTP/2 negotiated by ALPN as gRPC needs: grpc-java's own for a
   * trust store; the JDK's, made from the agent's key and certificate, for mutual TLS.
   */
  private static SslContext tlsContext(TrustManager trust, Optional<TlsFiles> own) {
    if (own.isPresent()) {
      return new JdkSslContext(
          Pem.clientContext(own.get(), trust),
          true,
          Http2SecurityUtil.CIPHERS,
          SupportedCipherSuiteFilter.INSTANCE,
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              ApplicationProtocolNames.HTTP_2),
          ClientAuth.NONE,
          null,
          false);
    }
    try {
      return trust == null
          ? GrpcSslContexts.forClient().build()
          : GrpcSslContexts.forClient().trustManager(trust).build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("cannot set up TLS for the server: " + e.getMessage(), e);
    }
  }

  /** The URL as configured, for the agent's log. */
  @Override
  public String address() {
    return serverUrl;
  }

  @Override
  public Call open(Listener listener) {
    if (insecure) {
      log.warn(
          "Connecting to {} WITHOUT verifying its certificate (insecure_skip_verify)", serverUrl);
    }
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(host, port)
            .directExecutor()
            .disableRetry()
            .keepAliveTime(grpc.clientKeepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(grpc.clientKeepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .maxInboundMessageSize(grpc.clientMaxInboundMessageSize())
            .withOption(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) grpc.clientConnectTimeout().toMillis());
    if (tls == null) {
      builder.usePlaintext();
    } else {
      builder.sslContext(tls);
    }
    ManagedChannel channel = builder.build();
    ClientCall<AgentEnvelope, ServerEnvelope> call = channel.newCall(CONNECT, CallOptions.DEFAULT);
    OneCall one = new OneCall(channel, call, listener);
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, authorization);
    // Before the start: a refused connection can close the call on the event loop before start()
    // returns, and a timer set after that would be left waiting, holding the call, for its length.
    one.awaitAnswer(grpc.clientAnswerTimeout());
    call.start(one, headers);
    return one;
  }

  /** One call on its own channel. */
  private final class OneCall extends ClientCall.Listener<ServerEnvelope> implements Call {
    private final ManagedChannel channel;
    private final ClientCall<AgentEnvelope, ServerEnvelope> call;
    private final Listener listener;
    private volatile Cancellable answerTimeout;

    OneCall(
        ManagedChannel channel, ClientCall<AgentEnvelope, ServerEnvelope> call, Listener listener) {
      this.channel = channel;
      this.call = call;
      this.listener = listener;
    }

    /**
     * Ends the call when the server has not answered it (its response headers, sent by a live
     * server as soon as the call reaches it) within {@code client.answer-timeout}: a stopped or
     * wedged process whose kernel still accepts connections, which would otherwise keep the agent
     * waiting for the whole register timeout.
     */
    void awaitAnswer(Duration timeout) {
      answerTimeout =
          scheduler.scheduleOnce(
              timeout,
              () ->
                  cancel(
                      new ServerDidNotAnswer(
                          "the server accepted the connection but did not answer within "
                              + Durations.format(timeout))));
    }

    // ---- the agent's side ----

    @Override
    public void send(AgentMessage message) {
      try {
        call.sendMessage(ProtoMapping.toProto(message));
      } catch (IllegalStateException closing) {
        // cancelled meanwhile: the call's end is on its way to the agent
      }
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void request() {
      call.request(1);
    }

    @Override
    public void cancel(Throwable why) {
      call.cancel(why.getMessage(), why);
    }

    // ---- the call's side ----

    @Override
    public void onHeaders(Metadata headers) {
      stopWaiting();
    }

    @Override
    public void onMessage(ServerEnvelope message) {
      listener.onMessage(ProtoMapping.fromProto(message));
    }

    @Override
    public void onReady() {
      listener.onReady();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      stopWaiting();
      channel.shutdownNow();
      if (status.isOk()) {
        listener.onClose(null);
      } else if (status.getCode() == Status.Code.CANCELLED && status.getCause() != null) {
        listener.onClose(status.getCause()); // the agent's own reason (cancel)
      } else {
        listener.onClose(status.asRuntimeException(trailers));
      }
    }

    private void stopWaiting() {
      Cancellable timeout = answerTimeout;
      if (timeout != null) {
        timeout.cancel();
      }
    }
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

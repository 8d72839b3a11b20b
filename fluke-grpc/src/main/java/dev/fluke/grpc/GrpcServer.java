package dev.fluke.grpc;

import dev.fluke.grpc.proto.AgentServicePowerApiHandlerFactory;
import dev.fluke.server.AgentGateway;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code fluke.v1.AgentService} (the agents' one long-lived stream each, SPEC §6) with Pekko
 * HTTP over HTTP/2: cleartext (h2c with prior knowledge) or TLS from PEM files.
 *
 * <p>Each request's body is read without Pekko HTTP's whole-entity size limit (an agent stream
 * lives for days and carries far more than any single request should), and with a per-message limit
 * instead ({@code fluke.grpc.server.max-inbound-message-size}, enforced on the framing before a
 * message is buffered).
 */
public final class GrpcServer {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  private GrpcServer() {}

  /**
   * @param host interface to listen on ("0.0.0.0" for all)
   * @param tokens the accepted agent tokens; empty refuses every agent
   * @param tls the server certificate and key; empty serves cleartext HTTP/2
   * @return the binding once listening (failed if the port cannot be bound)
   * @throws IllegalArgumentException when the TLS certificate or key cannot be used (message says
   *     why)
   */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system,
      String host,
      int port,
      AgentGateway gateway,
      Set<String> tokens,
      Optional<TlsFiles> tls) {
    return bind(system, host, port, gateway, tokens, tls, Optional.empty());
  }

  /**
   * As {@link #bind(ActorSystem, String, int, AgentGateway, Set, Optional)}, with mutual TLS when
   * {@code clientCertificates} is present: every agent must present a certificate that {@link
   * AgentCertificates} accepts and register under one of its names.
   *
   * @throws IllegalArgumentException when client certificates are asked for without TLS, or their
   *     CA or CRL file cannot be used
   */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system,
      String host,
      int port,
      AgentGateway gateway,
      Set<String> tokens,
      Optional<TlsFiles> tls,
      Optional<ClientCertificates> clientCertificates) {
    if (clientCertificates.isPresent() && tls.isEmpty()) {
      throw new IllegalArgumentException(
          "client certificates (client_ca_file) need TLS: give the server's cert_file and key_file");
    }
    GrpcSettings grpc = GrpcSettings.create(system);
    int maxMessageSize = grpc.serverMaxInboundMessageSize();
    Optional<AgentCertificates> agents =
        clientCertificates.map(c -> AgentCertificates.load(c, Clock.systemUTC()));
    AgentServiceImpl service = new AgentServiceImpl(gateway, tokens, agents);
    Function<HttpRequest, CompletionStage<HttpResponse>> handler =
        request -> {
          AtomicReference<MessageTooLarge> refused = new AtomicReference<>();
          return AgentServicePowerApiHandlerFactory.create(
                  service.forRequest(peer(request), refused::get, clientCertificate(request)),
                  GrpcErrors.mapper(),
                  system)
              .apply(limited(request, maxMessageSize, refused));
        };
    // Also set in reference.conf; forced here so that the agent endpoint speaks HTTP/2 and knows
    // its peers
    // even where reference.conf files were merged in another order (e.g. in a fat jar).
    ServerSettings settings = ServerSettings.create(system.classicSystem());
    settings =
        settings
            .withPreviewServerSettings(settings.getPreviewServerSettings().withEnableHttp2(true))
            .withRemoteAddressAttribute(true)
            .withMaxConnections(grpc.serverMaxConnections())
            .withBacklog(grpc.serverBacklog())
            // the TLS session of each request, for the agent's client certificate
            .withParserSettings(
                settings.getParserSettings().withIncludeSslSessionAttribute(agents.isPresent()));
    ServerBuilder builder = Http.get(system).newServerAt(host, port).withSettings(settings);
    if (tls.isPresent()) {
      builder = builder.enableHttps(httpsContext(tls.get(), agents));
    }
    Optional<Cancellable> crlChecks =
        agents.map(
            a ->
                system
                    .scheduler()
                    .scheduleWithFixedDelay(
                        grpc.serverCrlCheckInterval(),
                        grpc.serverCrlCheckInterval(),
                        a::recheck,
                        system.executionContext()));
    return builder
        .bind(handler)
        .thenApply(
            binding -> {
              crlChecks.ifPresent(checks -> binding.whenTerminated().thenRun(checks::cancel));
              log.info(
                  "Agent gRPC endpoint listening on {} ({})",
                  binding.localAddress(),
                  tls.isEmpty()
                      ? "cleartext"
                      : agents.isPresent()
                          ? "TLS, agents must present a client certificate"
                          : "TLS");
              return binding;
            })
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                crlChecks.ifPresent(Cancellable::cancel);
              }
            });
  }

  /** The server's certificate and, with client certificates, the agents' trust and the demand. */
  private static HttpsConnectionContext httpsContext(
      TlsFiles tls, Optional<AgentCertificates> agents) {
    if (agents.isEmpty()) {
      return ConnectionContext.httpsServer(Pem.serverContext(tls));
    }
    SSLContext context = Pem.serverContext(tls, agents.get().trustManager());
    return ConnectionContext.httpsServer(
        () -> {
          SSLEngine engine = context.createSSLEngine();
          engine.setUseClientMode(false);
          engine.setNeedClientAuth(true);
          return engine;
        });
  }

  /** The agent's certificate (the first of its chain), when the connection has one. */
  private static Optional<X509Certificate> clientCertificate(HttpRequest request) {
    return request
        .getAttribute(AttributeKeys.sslSession)
        .flatMap(
            info -> {
              try {
                Certificate[] chain = info.getSession().getPeerCertificates();
                return chain.length > 0 && chain[0] instanceof X509Certificate x
                    ? Optional.of(x)
                    : Optional.empty();
              } catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
              }
            });
  }

  /**
   * The HTTPS context for a PEM certificate and key, for other listeners of the same server (the
   * HTTP API uses the same {@code tls} block as the agents' endpoint).
   *
   * @throws IllegalArgumentException when the certificate or key cannot be used
   */
  public static HttpsConnectionContext httpsContext(TlsFiles tls) {
    return ConnectionContext.httpsServer(Pem.serverContext(tls));
  }

  private static HttpRequest limited(
      HttpRequest request, int maxMessageSize, AtomicReference<MessageTooLarge> refused) {
    HttpEntity unlimited = request.entity().withoutSizeLimit();
    return request.withEntity(
        HttpEntities.create(
            unlimited.getContentType(),
            unlimited
                .getDataBytes()
                .via(Flow.fromGraph(new MessageSizeLimit(maxMessageSize, refused)))));
  }

  private static String peer(HttpRequest request) {
    return request
        .getAttribute(AttributeKeys.remoteAddress)
        .map(GrpcServer::address)
        .orElse("unknown peer");
  }

  private static String address(RemoteAddress a) {
    return a.getAddress().map(ip -> ip.getHostAddress() + ":" + a.getPort()).orElse("unknown peer");
  }
}

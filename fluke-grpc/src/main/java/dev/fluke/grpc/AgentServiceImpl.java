package dev.fluke.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentServicePowerApi;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.server.AgentGateway;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC face of {@link AgentGateway}: a thin adapter. Every call is authenticated from its
 * metadata first (a refused call never reaches the gateway, so nothing is registered); then the
 * agent's messages are mapped to protocol records, run through {@code gateway.connect(peer)}, and
 * the answers mapped back. Failures become statuses in {@link GrpcErrors}.
 *
 * <p>A message this side cannot accept (one that does not decode, a truncated one, a {@link
 * ProtocolViolation} while mapping, or a message above the size limit) ends this stream with its
 * status even if the gateway would rather complete quietly: the violation is remembered as it
 * passes and re-raised on the way out.
 */
public final class AgentServiceImpl implements AgentServicePowerApi {
  private static final Logger log = LoggerFactory.getLogger(AgentServiceImpl.class);

  private final AgentGateway gateway;
  private final AgentTokens tokens;
  private final Optional<AgentCertificates> certificates;

  /**
   * @param tokens the accepted agent tokens ({@code agent_tokens}); empty refuses every agent
   */
  public AgentServiceImpl(AgentGateway gateway, Set<String> tokens) {
    this(gateway, tokens, Optional.empty());
  }

  /**
   * @param certificates with mutual TLS: the agent must register under a name of its client
   *     certificate, and its stream ends when the certificate is revoked
   */
  AgentServiceImpl(
      AgentGateway gateway, Set<String> tokens, Optional<AgentCertificates> certificates) {
    this.gateway = gateway;
    this.certificates = certificates;
    this.tokens = new AgentTokens(tokens);
    if (this.tokens.isEmpty()) {
      log.warn("No agent tokens are configured: every agent connection will be refused");
    }
  }

  @Override
  public Source<ServerEnvelope, NotUsed> connect(
      Source<AgentEnvelope, NotUsed> in, Metadata metadata) {
    return connect(in, metadata, "unknown peer", () -> null, Optional.empty());
  }

  /**
   * This service for one request whose remote address is known; {@code transportRefusal} says
   * whether the transport stopped reading the request (a message above the size limit), in which
   * case the agent's messages end early and the stream must fail with that reason; {@code
   * clientCertificate} is the agent's TLS client certificate, if it presented one.
   */
  AgentServicePowerApi forRequest(
      String peer,
      Supplier<? extends Throwable> transportRefusal,
      Optional<X509Certificate> clientCertificate) {
    return (in, metadata) -> connect(in, metadata, peer, transportRefusal, clientCertificate);
  }

  private Source<ServerEnvelope, NotUsed> connect(
      Source<AgentEnvelope, NotUsed> in,
      Metadata metadata,
      String peer,
      Supplier<? extends Throwable> transportRefusal,
      Optional<X509Certificate> clientCertificate) {
    if (!tokens.accepts(metadata.getText("authorization"))) {
      log.warn("Refused an agent connection from {}: missing or invalid token", peer);
      return Source.failed(
          new GrpcServiceException(
              Status.UNAUTHENTICATED.withDescription("missing or invalid agent token")));
    }
    if (certificates.isPresent() && clientCertificate.isEmpty()) {
      log.warn("Refused an agent connection from {}: no client certificate", peer);
      return Source.failed(
          new GrpcServiceException(
              Status.UNAUTHENTICATED.withDescription("a client certificate is required")));
    }
    SharedKillSwitch refusal = KillSwitches.shared("agent-stream-" + peer);
    AtomicReference<Throwable> refused = new AtomicReference<>();
    Source<AgentMessage, NotUsed> fromAgent =
        in.via(new FailOnCompletion<>(transportRefusal)).map(ProtoMapping::fromProto);
    if (certificates.isPresent()) {
      fromAgent = fromAgent.map(new IdentityCheck(clientCertificate.get(), peer));
    }
    fromAgent =
        fromAgent.mapError(
            new PFBuilder<Throwable, Throwable>()
                .match(ProtocolViolation.class, v -> refuse(v, refused, refusal))
                .match(MessageTooLarge.class, v -> refuse(v, refused, refusal))
                .match(GrpcServiceException.class, v -> refuse(v, refused, refusal))
                .match(
                    InvalidProtocolBufferException.class,
                    e -> refuse(GrpcErrors.undecodable(e), refused, refusal))
                .build());
    Source<ServerEnvelope, NotUsed> out =
        fromAgent
            .via(gateway.connect(peer))
            .via(refusal.flow())
            .via(new FailOnCompletion<>(refused::get))
            .map(ProtoMapping::toProto);
    if (certificates.isEmpty()) {
      return out;
    }
    // Ended when a new CRL revokes the certificate it was opened with.
    return Source.lazySource(
            () -> {
              AutoCloseable tracking =
                  certificates
                      .get()
                      .track(
                          clientCertificate.get(),
                          why ->
                              refuse(
                                  new GrpcServiceException(
                                      Status.PERMISSION_DENIED.withDescription(why)),
                                  refused,
                                  refusal));
              return out.watchTermination(
                  (mat, done) -> {
                    done.whenComplete((ok, failure) -> close(tracking));
                    return mat;
                  });
            })
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  private static void close(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * With mutual TLS, the agent's Register must carry a name of its certificate ({@link
   * AgentCertificates#names}): one host's credentials cannot register as another host. Checked on
   * the first message; anything else than a Register first is the session's protocol violation.
   */
  private static final class IdentityCheck
      implements org.apache.pekko.japi.function.Function<AgentMessage, AgentMessage> {
    private final X509Certificate certificate;
    private final String peer;
    private boolean checked;

    IdentityCheck(X509Certificate certificate, String peer) {
      this.certificate = certificate;
      this.peer = peer;
    }

    @Override
    public AgentMessage apply(AgentMessage message) {
      if (checked) {
        return message;
      }
      checked = true;
      if (message instanceof AgentMessage.Register register) {
        Set<String> names = AgentCertificates.names(certificate);
        if (!names.contains(register.name())) {
          String why =
              "the client certificate ("
                  + certificate.getSubjectX500Principal()
                  + ", names "
                  + names.stream().sorted().toList()
                  + ") does not allow registering as '"
                  + register.name()
                  + "'";
          log.warn("Refused an agent connection from {}: {}", peer, why);
          throw new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(why));
        }
      }
      return message;
    }
  }

  /** Remembers why this side refuses the stream and fails its output with it. */
  private static Throwable refuse(
      Throwable why, AtomicReference<Throwable> refused, SharedKillSwitch refusal) {
    refused.compareAndSet(null, why);
    refusal.abort(why);
    return why;
  }
}

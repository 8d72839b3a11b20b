package dev.fluke.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentServicePowerApi;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.server.AgentGateway;
import io.grpc.Status;
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

  /**
   * @param tokens the accepted agent tokens ({@code agent_tokens}); empty refuses every agent
   */
  public AgentServiceImpl(AgentGateway gateway, Set<String> tokens) {
    this.gateway = gateway;
    this.tokens = new AgentTokens(tokens);
    if (this.tokens.isEmpty()) {
      log.warn("No agent tokens are configured: every agent connection will be refused");
    }
  }

  @Override
  public Source<ServerEnvelope, NotUsed> connect(
      Source<AgentEnvelope, NotUsed> in, Metadata metadata) {
    return connect(in, metadata, "unknown peer", () -> null);
  }

  /**
   * This service for one request whose remote address is known; {@code transportRefusal} says
   * whether the transport stopped reading the request (a message above the size limit), in which
   * case the agent's messages end early and the stream must fail with that reason.
   */
  AgentServicePowerApi forRequest(String peer, Supplier<? extends Throwable> transportRefusal) {
    return (in, metadata) -> connect(in, metadata, peer, transportRefusal);
  }

  private Source<ServerEnvelope, NotUsed> connect(
      Source<AgentEnvelope, NotUsed> in,
      Metadata metadata,
      String peer,
      Supplier<? extends Throwable> transportRefusal) {
    if (!tokens.accepts(metadata.getText("authorization"))) {
      log.warn("Refused an agent connection from {}: missing or invalid token", peer);
      return Source.failed(
          new GrpcServiceException(
              Status.UNAUTHENTICATED.withDescription("missing or invalid agent token")));
    }
    SharedKillSwitch refusal = KillSwitches.shared("agent-stream-" + peer);
    AtomicReference<Throwable> refused = new AtomicReference<>();
    Source<AgentMessage, NotUsed> fromAgent =
        in.via(new FailOnCompletion<>(transportRefusal))
            .map(ProtoMapping::fromProto)
            .mapError(
                new PFBuilder<Throwable, Throwable>()
                    .match(ProtocolViolation.class, v -> refuse(v, refused, refusal))
                    .match(MessageTooLarge.class, v -> refuse(v, refused, refusal))
                    .match(
                        InvalidProtocolBufferException.class,
                        e -> refuse(GrpcErrors.undecodable(e), refused, refusal))
                    .build());
    return fromAgent
        .via(gateway.connect(peer))
        .via(refusal.flow())
        .via(new FailOnCompletion<>(refused::get))
        .map(ProtoMapping::toProto);
  }

  /** Remembers why this side refuses the stream and fails its output with it. */
  private static Throwable refuse(
      Throwable why, AtomicReference<Throwable> refused, SharedKillSwitch refusal) {
    refused.compareAndSet(null, why);
    refusal.abort(why);
    return why;
  }
}

package dev.fluke.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.Rebalancing;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.Trailers;
import org.apache.pekko.http.scaladsl.model.http2.PeerClosedStreamException;
import org.apache.pekko.japi.Function;
import org.apache.pekko.stream.AbruptTerminationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures of an agent stream become gRPC statuses (the handler's exception
 * mapper):
 *
 * <ul>
 *   <li>{@link GrpcServiceException} / {@link StatusRuntimeException}: their own status
 *       (UNAUTHENTICATED for a missing or wrong token);
 *   <li>{@link ProtocolViolation}, a message that does not decode ({@link
 *       InvalidProtocolBufferException}) or a truncated one: INVALID_ARGUMENT with its message,
 *       logged at WARN;
 *   <li>{@link MessageTooLarge}: RESOURCE_EXHAUSTED with its message;
 *   <li>{@link Rebalancing} (a cluster node hands an idle agent to another node): UNAVAILABLE with
 *       its message, which the agent recognises;
 *   <li>the agent went away ({@link PeerClosedStreamException}): CANCELLED, nobody is left to tell;
 *   <li>the server is shutting down ({@link AbruptTerminationException}): UNAVAILABLE;
 *   <li>anything else: INTERNAL, logged, its details kept out of the status.
 * </ul>
 */
final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** For {@code AgentServicePowerApiHandlerFactory.create(impl, GrpcErrors.mapper(), system)}. */
  static Function<ActorSystem, Function<Throwable, Trailers>> mapper() {
    return system -> GrpcErrors::toTrailers;
  }

  static Trailers toTrailers(Throwable t) {
    return new Trailers(toStatus(t));
  }

  static Status toStatus(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof GrpcServiceException g) {
      return g.status();
    }
    if (t instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    if (t instanceof InvalidProtocolBufferException e) {
      t = undecodable(e);
    }
    if (t instanceof ProtocolViolation) {
      log.warn("Agent stream ended: protocol violation: {}", t.getMessage());
      return Status.INVALID_ARGUMENT.withDescription(t.getMessage());
    }
    if (t instanceof MessageTooLarge) {
      log.warn("Agent stream ended: {}", t.getMessage());
      return Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage());
    }
    if (t instanceof Rebalancing) {
      log.debug("Agent stream ended: {}", t.getMessage());
      return Status.UNAVAILABLE.withDescription(t.getMessage());
    }
    if (t instanceof PeerClosedStreamException) {
      log.debug("Agent stream closed by the agent: {}", t.getMessage());
      return Status.CANCELLED.withDescription("closed by the agent");
    }
    if (t instanceof AbruptTerminationException) {
      log.debug("Agent stream stopped by the server shutting down");
      return Status.UNAVAILABLE.withDescription("server shutting down");
    }
    log.error("Agent stream failed", t);
    return Status.INTERNAL.withDescription("internal server error");
  }

  /** The protocol violation of a message that does not decode as an {@code AgentEnvelope}. */
  static ProtocolViolation undecodable(InvalidProtocolBufferException e) {
    return new ProtocolViolation(
        "a message does not decode as fluke.v1.AgentEnvelope (" + e.getMessage() + ")");
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}

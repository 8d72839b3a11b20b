package dev.fluke.server;

import dev.fluke.protocol.ServerMessage;
import java.util.Optional;

/**
 * What the server's actors tell the outbound side of one agent stream (the {@code ActorSource}
 * behind {@link AgentGateway#connect(String)}): a message to send, the end of the stream, or its
 * failure.
 */
public sealed interface Outbound {

  record Send(ServerMessage message) implements Outbound {}

  /** Complete the stream after what was already sent. */
  enum Complete implements Outbound {
    INSTANCE
  }

  /** Fail the stream, e.g. with a {@link dev.fluke.protocol.ProtocolViolation}. */
  record Fail(Throwable cause) implements Outbound {}

  static boolean isComplete(Outbound o) {
    return o instanceof Complete;
  }

  static Optional<Throwable> failure(Outbound o) {
    return o instanceof Fail f ? Optional.of(f.cause()) : Optional.empty();
  }
}

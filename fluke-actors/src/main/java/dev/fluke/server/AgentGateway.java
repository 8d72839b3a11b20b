package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * The server's side of one agent connection, already authenticated by the transport. The gRPC
 * adapter maps protobuf onto {@link AgentMessage}s, runs them through this flow and maps the {@link
 * ServerMessage}s back. The flow fails with {@link dev.fluke.protocol.ProtocolViolation} when the
 * agent breaks the protocol, and completes after a {@link ServerMessage.Rejected}.
 */
public interface AgentGateway {
  /**
   * @param peer the remote address, for logs and events
   */
  Flow<AgentMessage, ServerMessage, NotUsed> connect(String peer);
}

package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * How an agent opens one stream to the server (implemented over gRPC by fluke-grpc). Each
 * materialization of the flow is one connection attempt; the agent wraps it in a
 * restart-with-backoff.
 */
public interface ServerConnector {
  Flow<AgentMessage, ServerMessage, NotUsed> connect();
}

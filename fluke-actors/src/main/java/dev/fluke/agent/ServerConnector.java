package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * How an agent opens one stream to one server (implemented over gRPC by fluke-grpc). Each
 * materialization of the flow is one connection attempt; the agent dials again with backoff when it
 * ends, and with several servers ({@code server_urls}) it has one connector per server and moves on
 * to the next one (docs/protocol.md, "Failover").
 */
public interface ServerConnector {
  Flow<AgentMessage, ServerMessage, NotUsed> connect();

  /** The server as the agent's log names it, e.g. {@code grpcs://fluke-a.example.org:7070}. */
  default String address() {
    return "the server";
  }
}

package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;

/**
 * How an agent opens one stream to one server (implemented over gRPC by fluke-grpc). Each {@link
 * #open} is one connection attempt; the agent dials again with backoff when it ends, and with
 * several servers ({@code server_urls}) it has one connector per server and moves on to the next
 * one (docs/protocol.md, "Failover").
 *
 * <p>A plain call with callbacks rather than a Pekko Streams flow: the agent's transport is
 * grpc-java's own client call, so an agent process loads neither Pekko Streams nor Pekko gRPC
 * (docs/performance.md, "The agent's footprint: its own transport").
 */
public interface ServerConnector {

  /**
   * Starts one call. {@code listener} hears of it on the transport's threads, in order: {@link
   * Listener#onMessage} once per message the agent asked for ({@link Call#request()}), {@link
   * Listener#onReady} whenever the call can take more, and {@link Listener#onClose} exactly once,
   * whatever ends it (refused, broken, ended by the server, or {@link Call#cancel}). Messages may
   * be sent at once; they wait in the call until the connection is up.
   */
  Call open(Listener listener);

  /** The server as the agent's log names it, e.g. {@code grpcs://fluke-a.example.org:7070}. */
  default String address() {
    return "the server";
  }

  /** One open call (thread-safe). */
  interface Call {
    /** Sends {@code message} (queued by the call while it is not ready). */
    void send(AgentMessage message);

    /** True when the call takes a message without queueing it. */
    boolean isReady();

    /** Lets one more server message in. */
    void request();

    /** Ends the call from this side: the server sees it cancelled; {@code onClose(why)} follows. */
    void cancel(Throwable why);
  }

  /** What a call reports. */
  interface Listener {
    void onMessage(ServerMessage message);

    void onReady();

    /** {@code cause} is null when the server ended the call normally. */
    void onClose(Throwable cause);
  }
}

package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.Rebalancing;
import dev.fluke.protocol.ServerMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * An {@link AgentSession}'s outbound side of its agent's stream and how the stream ends: messages
 * go out until the stream has ended; it ends once, its reason logged and recorded as an agent event
 * (disconnected, evicted, protocol_violation) — the agent's own close or failure, an eviction, a
 * protocol violation, a stopped runner, or the session's stop. Not an actor: used on the session's
 * thread only.
 */
final class SessionOutbound {
  private final String name;
  private final ActorRef<Outbound> out;
  private final SessionEvents events;
  private final Logger log;
  private boolean ended;

  SessionOutbound(String name, ActorRef<Outbound> out, SessionEvents events, Logger log) {
    this.name = name;
    this.out = out;
    this.events = events;
    this.log = log;
  }

  /** The agent's registration was accepted: its stream is open. */
  void connected(String peer, AgentMessage.Register r) {
    log.info(
        "Agent {} connected from {} (version {}, labels {})", name, peer, r.version(), r.labels());
    events.agent("connected", "connected from " + peer + ", version " + r.version());
  }

  /** Sent unless the stream has ended. */
  void send(ServerMessage m) {
    if (!ended) {
      out.tell(new Outbound.Send(m));
    }
  }

  /** The agent closed its stream, or it failed: nothing more goes out. */
  void disconnected(String why) {
    log.info("Agent {} disconnected: {}", name, why);
    events.agent("disconnected", why);
    ended = true;
  }

  /** The agent has been silent too long ({@link Heartbeats}): its stream is completed. */
  void evicted(String why) {
    log.warn("Agent {} evicted: {}", name, why);
    events.agent("evicted", why);
    end(Outbound.Complete.INSTANCE);
  }

  /**
   * This node holds more than its share of a cluster's agents ({@code why}): the stream ends with
   * {@link Rebalancing}, and the agent reconnects to another node.
   */
  void moved(String why) {
    log.info("Agent {} moved to another node: {}", name, why);
    events.moved(why);
    end(new Outbound.Fail(new Rebalancing(why)));
  }

  /**
   * This server is stopping: the stream completes after what was already sent, and the agent
   * reconnects (to another node of a cluster, or to this server once it is back).
   */
  void drained() {
    String why =
        "this server is stopping; reconnect to another server node, or here once it is back";
    log.info("Agent {} disconnected: {}", name, why);
    events.agent("disconnected", why);
    end(Outbound.Complete.INSTANCE);
  }

  /** The agent broke the protocol: its stream fails with a {@link ProtocolViolation}. */
  void violation(String reason) {
    log.warn("Agent {} broke the protocol: {}", name, reason);
    events.agent("protocol_violation", reason);
    end(new Outbound.Fail(new ProtocolViolation(reason)));
  }

  /**
   * The session's runner stopped while the stream was open: a bug, never blamed on the agent; the
   * stream fails with an internal error and the agent reconnects to a fresh session.
   */
  void runnerStopped() {
    String why = "internal error: the agent's cycle runner stopped (see the server log); reconnect";
    log.error("Agent {}: {}", name, why);
    events.agent("disconnected", why);
    end(new Outbound.Fail(new IllegalStateException(why)));
  }

  /** The session stopped (for any reason, a failure included): the stream is completed. */
  void stopped() {
    end(Outbound.Complete.INSTANCE);
  }

  private void end(Outbound end) {
    if (!ended) {
      ended = true;
      out.tell(end);
    }
  }
}

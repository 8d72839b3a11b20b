package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The {@link CycleRunner}'s side of its session: requests to the agent, acks of the agent's
 * messages, the cycle status, and a protocol violation that ends the stream — after which nothing
 * more goes out. Used on the runner's thread only.
 */
final class RunnerLink {
  private final ActorRef<Outbound> out;
  private final ActorRef<AgentSession.Command> session;
  private AgentSession.CycleStatus reported;
  // The agent broke the protocol: the session ends the stream, and the runner with it.
  private boolean broken;

  private final ReceivedResults received;

  RunnerLink(
      ActorRef<Outbound> out, ActorRef<AgentSession.Command> session, ReceivedResults received) {
    this.out = out;
    this.session = session;
    this.received = received;
  }

  void send(ServerMessage m) {
    if (!broken) {
      out.tell(new Outbound.Send(m));
    }
  }

  /**
   * The ack lets the agent's next message in (backpressure); every apply result is acknowledged to
   * the agent too, duplicates included, after it was recorded: until then the agent keeps it and
   * re-sends it (late) after a reconnect.
   */
  void acknowledge(CycleRunner.FromAgent m) {
    if (broken) {
      return; // the session is failing the stream: nothing more goes out
    }
    if (m.message() instanceof AgentMessage.ApplyResult r) {
      ServerMessage ack = new ServerMessage.ApplyResultAck(r.cycleId(), r.task().task());
      // Cluster mode: acknowledged once the agent directory has it (ReceivedResults), possibly
      // after this runner stopped: the session lets these out before it ends the stream.
      received.afterRecorded(r.cycleId(), r.task().task(), () -> out.tell(new Outbound.Send(ack)));
    }
    // Last: the agent's next message (a heartbeat the session answers at once) must not overtake
    // what this one caused.
    m.ackTo().tell(AgentSession.Ack.INSTANCE);
  }

  /** The agent broke the protocol: the session fails the stream (and stops the runner). */
  void broken(String reason) {
    broken = true;
    session.tell(new AgentSession.Broken(reason));
  }

  /** Tells the session the runner's status when it differs from the last one told. */
  void status(AgentSession.CycleStatus now) {
    if (!now.equals(reported)) {
      reported = now;
      session.tell(now);
    }
  }
}

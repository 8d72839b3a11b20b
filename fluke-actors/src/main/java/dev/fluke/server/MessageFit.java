package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;

/**
 * What an agent's CheckReport, ApplyOutput or ApplyResult is to the cycle in flight (null when the
 * runner is idle): the report or result the cycle's phase waits for, output of the apply in flight,
 * a protocol violation (it claims to be of the cycle but cannot be), a result outside the cycle
 * (late, given up, of another cycle: recorded, never advances the cycle), or nothing to act on
 * (reports of other cycles, output of a cancelled apply). Pure: {@link CycleSteps} acts on it.
 */
sealed interface MessageFit {
  /** The check report the checking cycle waits for. */
  record Checked(AgentMessage.CheckReport report) implements MessageFit {}

  /** A line of output of the apply in flight. */
  record Output(AgentMessage.ApplyOutput output) implements MessageFit {}

  /** The result of the apply in flight. */
  record Applied(AgentMessage.ApplyResult result) implements MessageFit {}

  /** A protocol violation: the message claims to be of the cycle but cannot be. */
  record Broken(String reason) implements MessageFit {}

  /** An apply result outside the cycle in flight: late, given up, or of another cycle. */
  record Outside(AgentMessage.ApplyResult result) implements MessageFit {}

  /** Nothing to act on. */
  record Ignored() implements MessageFit {}

  static MessageFit of(Cycle c, AgentMessage msg) {
    if (c != null) {
      if (c.applying() == null) {
        if (msg instanceof AgentMessage.CheckReport r && r.cycleId() == c.id()) {
          return new Checked(r);
        }
      } else if (msg instanceof AgentMessage.ApplyOutput o
          && o.cycleId() == c.id()
          && c.awaits(o.task())) {
        return new Output(o);
      } else if (msg instanceof AgentMessage.ApplyResult r
          && !r.late()
          && r.cycleId() == c.id()
          && c.awaits(r.task().task())) {
        return new Applied(r);
      }
      String misfit = c.misfit(msg);
      if (misfit != null) {
        return new Broken(misfit);
      }
    }
    return msg instanceof AgentMessage.ApplyResult r ? new Outside(r) : new Ignored();
  }
}

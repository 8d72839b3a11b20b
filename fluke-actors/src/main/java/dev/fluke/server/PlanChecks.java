package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.CycleIds;
import dev.fluke.protocol.ServerMessage;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The plan checks in flight on one agent's stream, kept by its {@link CycleRunner} beside (never
 * inside) its cycle: a plan's CheckRequest goes out at once whatever the cycle's phase (the agent
 * queues it behind its current work), and the CheckReport with the plan's negative id goes to the
 * {@link PlanQuery} that asked, never to the cycle. Used on the runner's thread only.
 */
final class PlanChecks {
  private final String agent;
  private final RunnerLink link;
  private final Map<Long, ActorRef<PlanQuery.Command>> waiting = new HashMap<>();

  PlanChecks(String agent, RunnerLink link) {
    this.agent = agent;
    this.link = link;
  }

  /** No plan's check is waiting for the agent. */
  boolean idle() {
    return waiting.isEmpty();
  }

  /** Whether {@code m} is a plan's CheckReport (to route here, before any phase sees it). */
  static boolean isReport(CycleRunner.FromAgent m) {
    return m.message() instanceof AgentMessage.CheckReport r && CycleIds.isPlan(r.cycleId());
  }

  void start(CycleRunner.PlanCheck p) {
    waiting.put(p.cycleId(), p.replyTo());
    link.send(new ServerMessage.CheckRequest(p.cycleId(), p.tasks()));
  }

  /** The plan stopped waiting: the agent drops the check (queued or running). */
  void drop(long cycleId) {
    if (waiting.remove(cycleId) != null) {
      link.send(new ServerMessage.Cancel(cycleId));
    }
  }

  /**
   * Hands a plan's CheckReport ({@link #isReport}) to its plan, one that stopped waiting is
   * ignored; the report is acknowledged either way.
   */
  void reported(CycleRunner.FromAgent m) {
    link.acknowledge(m);
    AgentMessage.CheckReport r = (AgentMessage.CheckReport) m.message();
    ActorRef<PlanQuery.Command> plan = waiting.remove(r.cycleId());
    if (plan != null) {
      plan.tell(new PlanQuery.Reported(agent, r));
    }
  }
}

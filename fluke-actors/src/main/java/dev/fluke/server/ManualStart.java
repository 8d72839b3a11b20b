package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.TargetKind;
import java.time.Instant;
import java.util.List;

/**
 * Which connected agents a manual reconcile starts on, and the answer the caller gets (plain: the
 * {@link AgentRegistry} for all or one agent, the task's {@link TaskReconciler} for a task, then
 * tell each agent's runner).
 *
 * @param agents the agents to start a manual cycle on, sorted; empty when refused
 */
record ManualStart(List<String> agents, Dto.ReconcileAccepted answer) {

  static ManualStart of(
      AgentDirectory directory, Dto.ReconcileTarget target, long requestId, Instant now) {
    if (target.kind() == TargetKind.AGENT) {
      String name = target.name();
      if (directory.live(name) == null) {
        String why =
            directory.recentlyDisconnected(name)
                ? "agent " + name + " is not connected"
                : "no agent named " + name + " is connected";
        return new ManualStart(
            List.of(), new Dto.ReconcileAccepted(false, why, target, List.of(), now, requestId));
      }
      return started(
          List.of(name), "manual reconcile of agent " + name + " started", target, requestId, now);
    }
    List<String> names = directory.liveNames();
    String message =
        names.isEmpty()
            ? "no agent is connected"
            : "manual reconcile started on " + names.size() + " agent(s)";
    return started(names, message, target, requestId, now);
  }

  /** A task's manual reconcile on the connected agents it matches ({@code agents}, by name). */
  static ManualStart ofTask(String task, List<String> agents, long requestId, Instant now) {
    String message =
        agents.isEmpty()
            ? "no connected agent matches task " + task
            : "manual reconcile of task " + task + " started on " + agents.size() + " agent(s)";
    return started(agents, message, Dto.ReconcileTarget.task(task), requestId, now);
  }

  private static ManualStart started(
      List<String> names, String message, Dto.ReconcileTarget target, long requestId, Instant now) {
    return new ManualStart(
        List.copyOf(names),
        new Dto.ReconcileAccepted(true, message, target, List.copyOf(names), now, requestId));
  }
}

package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.TargetKind;
import java.time.Instant;
import java.util.List;

/**
 * Which connected agents a manual reconcile of {@code all} or one agent starts on, and the answer
 * the caller gets (plain: the {@link AgentRegistry} then tells each agent's runner). A task's
 * manual reconcile is its reconciler's ({@link TaskReconciler}).
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

  private static ManualStart started(
      List<String> names, String message, Dto.ReconcileTarget target, long requestId, Instant now) {
    return new ManualStart(
        List.copyOf(names),
        new Dto.ReconcileAccepted(true, message, target, List.copyOf(names), now, requestId));
  }
}

package dev.fluke.api;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the operator surfaces (HTTP API, UI, CLI through the API) can ask of and tell the server.
 * The server actors implement it with asks; fluke-http only maps it onto routes.
 */
public interface FleetApi {
  /** Every known agent, connected or recently seen, sorted by name. */
  CompletionStage<List<Dto.AgentSummary>> agents();

  /**
   * One agent's live state with its recent events. When the event history cannot be read the answer
   * still comes, with the live state, no events and {@link Dto.AgentDetail#historyUnavailable()}
   * saying why.
   */
  CompletionStage<Optional<Dto.AgentDetail>> agent(String name);

  /** Every task of the desired state in force, in declaration order. */
  CompletionStage<List<Dto.TaskSummary>> tasks();

  CompletionStage<Optional<Dto.TaskDetail>> task(String name);

  /** Every (agent, task) pair that is not satisfied: drifted, failed or in error. */
  CompletionStage<List<Dto.DriftEntry>> drift();

  /** Newest first; fails with {@link HistoryUnavailable} when the event history cannot be read. */
  CompletionStage<List<Event>> events(EventQuery query);

  CompletionStage<Dto.ManifestStatus> manifest();

  /**
   * Accept the refused rewrite (force push) of the manifest branch whose new tip is {@code commit}
   * (its id, or a prefix of at least 7 hex digits), under {@code on_force_push = "refuse"}: the
   * server fetches at once and follows it. Completes with {@link Dto.RewriteAccepted#accepted()}
   * false and the reason when no such rewrite is waiting.
   */
  CompletionStage<Dto.RewriteAccepted> acceptRewrite(String commit);

  /**
   * Start a manual reconcile (always applies, whatever the drift policy). Unknown agent or task
   * names complete with {@link Dto.ReconcileAccepted#accepted()} false and a message saying so.
   */
  CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target);

  /**
   * The staged rollouts of the tasks in force that have one (issue 10), in declaration order: read
   * from {@link #tasks()}.
   */
  default CompletionStage<List<Dto.RolloutStatus>> rollouts() {
    return tasks()
        .thenApply(
            ts ->
                ts.stream()
                    .map(Dto.TaskSummary::rollout)
                    .filter(java.util.Objects::nonNull)
                    .toList());
  }

  /** The rollout of one task; empty when there is no such task or it has no rollout. */
  default CompletionStage<Optional<Dto.RolloutStatus>> rollout(String task) {
    return task(task).thenApply(d -> d.flatMap(t -> Optional.ofNullable(t.task().rollout())));
  }

  /**
   * Resume the task's halted rollout ({@code who}: the caller, for the event): the failures are
   * forgotten and the next stage starts now. Completes with the rollout's status (unchanged when it
   * was not halted), or empty when there is no such task or it has no rollout.
   */
  default CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(String task, String who) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new UnsupportedOperationException("this server cannot resume rollouts"));
  }
}

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
   * Plan a ref of the manifest repository (a branch, tag, full ref or commit id): what merging it
   * would do, without putting it in force and without applying anything ({@link PlanResult}).
   * {@code timeout} bounds how long the agents' checks are waited for (null: {@link
   * PlanResult#DEFAULT_TIMEOUT}); the stage completes after at most about that long plus the time
   * Git takes.
   */
  default CompletionStage<PlanResult> plan(String ref, java.time.Duration timeout) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new UnsupportedOperationException("this server cannot plan"));
  }
}

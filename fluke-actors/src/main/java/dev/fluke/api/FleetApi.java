package dev.fluke.api;

import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.time.Duration;
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
   * Start a manual reconcile (always applies, whatever the drift policy; not forced: see {@link
   * #reconcile(Dto.ReconcileTarget, boolean)}).
   */
  default CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target) {
    return reconcile(target, false);
  }

  /**
   * A manual reconcile (always applies, whatever the drift policy); with {@code force} its tasks
   * are applied even when suspended or outside their maintenance window (without it, such tasks are
   * checked and their status says why they were not applied, and the answer's message says the
   * scope is suspended). Unknown agent or task names complete with {@link
   * Dto.ReconcileAccepted#accepted()} false and a message saying so.
   */
  CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target, boolean force);

  /** Every suspension in force: the fleet first, then agents, then tasks. */
  CompletionStage<List<Suspension>> suspensions();

  /**
   * Suspends a scope ({@code name} null for {@link TargetKind#ALL}); {@code by} is the caller's
   * identity, {@code reason} is required, {@code forHowLong} null = until resumed.
   */
  CompletionStage<Suspension.Change> suspend(
      TargetKind scope, String name, String by, String reason, Duration forHowLong);

  /** Resumes a scope; {@link Suspension.Change#done()} false when it was not suspended. */
  CompletionStage<Suspension.Change> resume(TargetKind scope, String name, String by);

  /**
   * {@link #agents()} with the server nodes that did not answer in time (cluster mode: their agents
   * are listed with {@link CyclePhase#UNKNOWN}); on a single server always complete.
   */
  default CompletionStage<Dto.Partial<List<Dto.AgentSummary>>> agentsFromEveryNode() {
    return agents().thenApply(Dto.Partial::complete);
  }

  /**
   * {@link #events} with the server nodes that did not answer in time (cluster mode with stores of
   * their own: their events are missing from the merged history); on a single server, or with a
   * shared store, always complete.
   */
  default CompletionStage<Dto.Partial<List<Event>>> eventsFromEveryNode(EventQuery query) {
    return events(query).thenApply(Dto.Partial::complete);
  }

  /**
   * The server nodes ({@code GET /api/v1/nodes}); a single server is one node, {@code local}, that
   * holds the Git watcher.
   */
  default CompletionStage<List<Dto.NodeInfo>> nodes() {
    return agents()
        .thenApply(
            all ->
                List.of(
                    new Dto.NodeInfo(
                        "local",
                        "up",
                        true,
                        true,
                        (int) all.stream().filter(Dto.AgentSummary::connected).count(),
                        true,
                        List.of("git"),
                        null,
                        true)));
  }

  /**
   * Plan a ref of the manifest repository (a branch, tag, full ref or commit id): what merging it
   * would do, without putting it in force and without applying anything ({@link PlanResult}).
   * {@code timeout} bounds how long the agents' checks are waited for (null: {@link
   * PlanResult#DEFAULT_TIMEOUT}); the stage completes after at most about that long plus the time
   * Git takes.
   */
  CompletionStage<PlanResult> plan(String ref, Duration timeout);

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
  CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(String task, String who);
}

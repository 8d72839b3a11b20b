package dev.fluke.api;

import dev.fluke.events.Event;
import dev.fluke.manifest.ManifestError;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Read models served by {@link FleetApi}. They are plain records, marshalled to JSON as they are
 * (snake_case is applied by the HTTP layer's mapper). Times are UTC instants, null when unknown.
 *
 * <p>Status words used everywhere: {@code pending} (not checked yet), {@code satisfied}, {@code
 * drifted}, {@code applying}, {@code failed} (an apply failed, or the check still fails after a
 * successful apply), {@code error} (an execution error: the check could not run).
 */
public final class Dto {
  private Dto() {}

  /** Per-status counts of an agent's or the fleet's tasks. */
  public record StatusCounts(
      int satisfied, int drifted, int failed, int error, int pending, int applying) {
    public static final StatusCounts EMPTY = new StatusCounts(0, 0, 0, 0, 0, 0);
  }

  /**
   * @param cycle {@code idle}, {@code checking} or {@code applying}
   * @param lastCycleEndedAt when the last complete check(+apply) cycle ended (used by {@code
   *     --wait})
   */
  public record AgentSummary(
      String name,
      Map<String, String> labels,
      String version,
      boolean connected,
      Instant connectedAt,
      Instant lastSeen,
      String cycle,
      Instant lastCycleEndedAt,
      StatusCounts counts) {}

  public record ExecutorStatus(
      String name,
      String type,
      String status,
      String phase,
      int exitCode,
      String output,
      String message,
      Instant updatedAt) {}

  /**
   * @param alerted true when a drift_detected alert went out for the current drift episode
   * @param message why it is in this state (e.g. "check still fails after a successful apply")
   */
  public record TaskStatus(
      String task,
      String status,
      String policy,
      boolean alerted,
      Instant lastCheckedAt,
      Instant lastAppliedAt,
      String message,
      List<ExecutorStatus> executors) {}

  /**
   * @param recentEvents the agent's newest events, newest first; empty when the history cannot be
   *     read
   * @param historyUnavailable null when the event history answered; else why it could not (the
   *     event store is down): the live state above is still current, only {@code recentEvents} is
   *     missing
   */
  public record AgentDetail(
      AgentSummary agent,
      List<TaskStatus> tasks,
      List<Event> recentEvents,
      String historyUnavailable) {
    /** The live state with its history (or none yet). */
    public AgentDetail(AgentSummary agent, List<TaskStatus> tasks, List<Event> recentEvents) {
      this(agent, tasks, recentEvents, null);
    }
  }

  public record TaskSummary(
      String name,
      String description,
      String policy,
      Map<String, String> selector,
      List<String> executors,
      String file,
      int matchedAgents,
      StatusCounts counts) {}

  public record ExecutorDefinition(
      String type, String name, Map<String, Object> attributes, String onFailure) {}

  public record AgentTaskStatus(String agent, boolean connected, TaskStatus status) {}

  public record TaskDetail(
      TaskSummary task, List<ExecutorDefinition> executors, List<AgentTaskStatus> agents) {}

  public record DriftEntry(
      String agent,
      String task,
      String status,
      String policy,
      boolean alerted,
      Instant since,
      String message) {}

  /**
   * @param commit the commit whose manifests are in force (null before the first good load)
   * @param candidateCommit the newest commit fetched; differs from {@code commit} when it was
   *     rejected
   * @param errors every error of the newest commit when it was rejected; empty when it is in force
   * @param fetchError the last fetch failure (auth, network), or why the branch's newest commit is
   *     not taken (a refused rewrite), or null
   * @param loadedFrom the repository (URL without password) {@code commit} was loaded from; differs
   *     from {@code repository} after a URL change until the new repository loads a good commit
   * @param refusedCommit the tip of a rewritten (force-pushed) branch refused under {@code
   *     on_force_push = "refuse"}, waiting to be accepted; else null
   */
  public record ManifestStatus(
      String repository,
      String branch,
      String commit,
      String candidateCommit,
      Instant loadedAt,
      Instant lastFetchAt,
      String fetchError,
      List<ManifestError> errors,
      int tasks,
      List<String> files,
      String loadedFrom,
      String refusedCommit) {}

  /**
   * The answer to accepting a refused rewrite of the manifest branch ({@code POST
   * /manifest/accept}).
   *
   * @param accepted true when the rewrite to {@code commit} will be followed (a fetch is started)
   * @param commit the full id of the accepted commit, or what was asked when not accepted
   */
  public record RewriteAccepted(boolean accepted, String message, String commit) {}

  /** {@code kind} is {@code all}, {@code agent} or {@code task}; {@code name} is null for all. */
  public record ReconcileTarget(String kind, String name) {}

  /**
   * @param agents the agents a manual cycle was started (or queued) for
   * @param requestedAt compare with {@link AgentSummary#lastCycleEndedAt()} to wait for completion
   */
  public record ReconcileAccepted(
      boolean accepted,
      String message,
      ReconcileTarget target,
      List<String> agents,
      Instant requestedAt) {}
}

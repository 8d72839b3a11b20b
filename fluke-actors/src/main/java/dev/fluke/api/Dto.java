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

  /**
   * Per-status counts of an agent's, a task's or the fleet's (agent, task) pairs: the one counts
   * type of the engine (immutable; the fleet's totals are kept as {@code totals.plus(after)
   * .minus(before)}, never by a scan).
   */
  public record StatusCounts(
      int satisfied, int drifted, int failed, int error, int pending, int applying, int flapping) {
    public static final StatusCounts EMPTY = new StatusCounts(0, 0, 0, 0, 0, 0, 0);

    /** Counts without flapping tasks. */
    public StatusCounts(
        int satisfied, int drifted, int failed, int error, int pending, int applying) {
      this(satisfied, drifted, failed, error, pending, applying, 0);
    }

    /** How many have this status. */
    public int get(Status status) {
      return switch (status) {
        case SATISFIED -> satisfied;
        case DRIFTED -> drifted;
        case FAILED -> failed;
        case ERROR -> error;
        case PENDING -> pending;
        case APPLYING -> applying;
        case FLAPPING -> flapping;
      };
    }

    /** These counts with {@code n} more of {@code status} (n may be negative). */
    public StatusCounts add(Status status, int n) {
      return new StatusCounts(
          satisfied + (status == Status.SATISFIED ? n : 0),
          drifted + (status == Status.DRIFTED ? n : 0),
          failed + (status == Status.FAILED ? n : 0),
          error + (status == Status.ERROR ? n : 0),
          pending + (status == Status.PENDING ? n : 0),
          applying + (status == Status.APPLYING ? n : 0),
          flapping + (status == Status.FLAPPING ? n : 0));
    }

    public StatusCounts plus(StatusCounts o) {
      return new StatusCounts(
          satisfied + o.satisfied,
          drifted + o.drifted,
          failed + o.failed,
          error + o.error,
          pending + o.pending,
          applying + o.applying,
          flapping + o.flapping);
    }

    public StatusCounts minus(StatusCounts o) {
      return new StatusCounts(
          satisfied - o.satisfied,
          drifted - o.drifted,
          failed - o.failed,
          error - o.error,
          pending - o.pending,
          applying - o.applying,
          flapping - o.flapping);
    }

    /** Counts a collection of statuses. */
    public static StatusCounts of(Iterable<Status> statuses) {
      int[] n = new int[Status.values().length];
      for (Status s : statuses) {
        n[s.ordinal()]++;
      }
      return new StatusCounts(
          n[Status.SATISFIED.ordinal()],
          n[Status.DRIFTED.ordinal()],
          n[Status.FAILED.ordinal()],
          n[Status.ERROR.ordinal()],
          n[Status.PENDING.ordinal()],
          n[Status.APPLYING.ordinal()],
          n[Status.FLAPPING.ordinal()]);
    }
  }

  /**
   * @param cycle where its reconcile cycle is
   * @param lastCycleEndedAt when the last complete check(+apply) cycle ended
   * @param manualServed the newest manual reconcile request ({@link ReconcileAccepted#requestId()})
   *     whose cycle on this agent has ended: {@code fluke reconcile --wait} waits for it
   * @param node in cluster mode, the node holding the agent's session (its cluster address); null
   *     on a single server. An agent whose node did not answer is shown with {@link
   *     CyclePhase#UNKNOWN} and that node.
   */
  public record AgentSummary(
      String name,
      Map<String, String> labels,
      String version,
      boolean connected,
      Instant connectedAt,
      Instant lastSeen,
      CyclePhase cycle,
      Instant lastCycleEndedAt,
      StatusCounts counts,
      long manualServed,
      String node) {
    /** A summary on a single server (no node). */
    public AgentSummary(
        String name,
        Map<String, String> labels,
        String version,
        boolean connected,
        Instant connectedAt,
        Instant lastSeen,
        CyclePhase cycle,
        Instant lastCycleEndedAt,
        StatusCounts counts,
        long manualServed) {
      this(
          name,
          labels,
          version,
          connected,
          connectedAt,
          lastSeen,
          cycle,
          lastCycleEndedAt,
          counts,
          manualServed,
          null);
    }

    /** This summary as held by {@code node}. */
    public AgentSummary onNode(String node) {
      return new AgentSummary(
          name,
          labels,
          version,
          connected,
          connectedAt,
          lastSeen,
          cycle,
          lastCycleEndedAt,
          counts,
          manualServed,
          node);
    }
  }

  /**
   * One server node ({@code GET /api/v1/nodes}, {@code fluke get nodes}).
   *
   * @param address the node's cluster address ({@code pekko://fluke-server@host:port}); on a single
   *     server, {@code local}
   * @param status the member status: joining, up, leaving, exiting, down, removed, weakly_up; a
   *     single server is {@code up}
   * @param reachable false when the failure detector of some node lost it
   * @param answered false when the node did not answer in time: {@code agents} and {@code version}
   *     are then unknown ({@code -1} and null)
   * @param agents agents whose session this node holds
   * @param leader true for the cluster's leader (it moves members up and out)
   * @param singletons the cluster singletons it runs (e.g. {@code git})
   * @param self true for the node that answered the request
   */
  public record NodeInfo(
      String address,
      String status,
      boolean reachable,
      boolean answered,
      int agents,
      boolean leader,
      List<String> singletons,
      String version,
      boolean self) {}

  /**
   * A fleet answer that may be partial: {@code missingNodes} are the nodes that did not answer in
   * time (empty on a single server and when every node answered).
   */
  public record Partial<T>(T value, List<String> missingNodes) {
    public static <T> Partial<T> complete(T value) {
      return new Partial<>(value, List.of());
    }

    public boolean complete() {
      return missingNodes.isEmpty();
    }
  }

  public record ExecutorStatus(
      String name,
      String type,
      Status status,
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
      Status status,
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
   * @param lastManual the outcome of the newest manual reconcile this agent served (null before
   *     one): what {@code fluke reconcile --wait} reports, whatever cycles ran since
   */
  public record AgentDetail(
      AgentSummary agent,
      List<TaskStatus> tasks,
      List<Event> recentEvents,
      String historyUnavailable,
      ManualResult lastManual) {
    /** The live state with its history (or none yet). */
    public AgentDetail(AgentSummary agent, List<TaskStatus> tasks, List<Event> recentEvents) {
      this(agent, tasks, recentEvents, null, null);
    }

    /** This detail with its history, or why the history is unavailable. */
    public AgentDetail withHistory(List<Event> events, String unavailable) {
      return new AgentDetail(agent, tasks, events, unavailable, lastManual);
    }
  }

  /**
   * How a manual reconcile ended on one agent: the statuses of the tasks its cycle checked, as they
   * were when that cycle ended (a later cycle does not change them).
   *
   * @param requestId the newest manual request the cycle served ({@link ReconcileAccepted})
   */
  public record ManualResult(long requestId, Instant endedAt, List<TaskStatus> tasks) {}

  /**
   * @param dependsOn the tasks this one waits for on each agent ({@code depends_on}); the UI
   *     derives "needed by" from the list of all tasks
   * @param rollout the staged rollout of its definition in force, or null when the task has no
   *     {@code rollout} (issue 10)
   */
  public record TaskSummary(
      String name,
      String description,
      String policy,
      Map<String, String> selector,
      List<String> executors,
      String file,
      int matchedAgents,
      StatusCounts counts,
      List<String> dependsOn,
      RolloutStatus rollout) {
    public TaskSummary {
      dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
    }

    /** A task without dependencies. */
    public TaskSummary(
        String name,
        String description,
        String policy,
        Map<String, String> selector,
        List<String> executors,
        String file,
        int matchedAgents,
        StatusCounts counts) {
      this(
          name,
          description,
          policy,
          selector,
          executors,
          file,
          matchedAgents,
          counts,
          List.of(),
          null);
    }
  }

  /**
   * The staged rollout of one task's definition at one commit ({@code rollout { … }}, issue 10).
   *
   * @param state {@code running} (a stage waits for reports), {@code paused} (between stages, until
   *     {@code nextStageAt}), {@code halted} (too many failures: the remaining agents keep the old
   *     state until resumed) or {@code done}
   * @param stage {@code canary}, {@code batch 2 of 4}, or {@code -}
   * @param stagesStarted stages started so far, of {@code stages}
   * @param done agents satisfied with the new definition
   * @param failed agents whose apply or verify failed
   * @param inProgress agents allowed to apply that have not reported yet
   * @param waiting agents whose stage has not started: they keep the old state
   * @param nextStageAt when the next stage starts (a pause), or null
   * @param haltedReason why it halted, or null
   */
  public record RolloutStatus(
      String task,
      String commit,
      String state,
      String stage,
      int stagesStarted,
      int stages,
      int agents,
      int done,
      int failed,
      int inProgress,
      int waiting,
      int canary,
      String batch,
      int maxFailures,
      String pause,
      Instant startedAt,
      Instant nextStageAt,
      String haltedReason,
      List<String> failedAgents) {
    public RolloutStatus {
      failedAgents = failedAgents == null ? List.of() : List.copyOf(failedAgents);
    }
  }

  public record ExecutorDefinition(
      String type, String name, Map<String, Object> attributes, String onFailure) {}

  public record AgentTaskStatus(String agent, boolean connected, TaskStatus status) {}

  /**
   * @param window the task's maintenance window now, or null when it has none
   */
  public record TaskDetail(
      TaskSummary task,
      List<ExecutorDefinition> executors,
      List<AgentTaskStatus> agents,
      WindowStatus window) {
    public TaskDetail(
        TaskSummary task, List<ExecutorDefinition> executors, List<AgentTaskStatus> agents) {
      this(task, executors, agents, null);
    }
  }

  /**
   * A task's maintenance window as it stands now (issue 10).
   *
   * @param allow the allow entries as written
   * @param deny the deny entries as written
   * @param open the server may apply the task now
   * @param nextOpening when it opens next (now when open; null when it never opens)
   * @param nextClosing when it closes next (null when it never closes)
   * @param next one line for people: "open until Sat 2026-12-05 06:00 Europe/Berlin" or "closed;
   *     opens Sat 2026-12-12 02:00 Europe/Berlin"
   */
  public record WindowStatus(
      List<String> allow,
      List<String> deny,
      String timezone,
      boolean open,
      Instant nextOpening,
      Instant nextClosing,
      String next) {
    /** The window {@code w} at {@code now}. */
    public static WindowStatus of(dev.fluke.manifest.Window w, Instant now) {
      boolean open = w.isOpen(now);
      Instant opening = w.nextOpening(now);
      Instant closing = w.nextClosing(now);
      String next =
          open
              ? closing == null ? "open (always)" : "open until " + w.describe(closing)
              : opening == null
                  ? "closed (it never opens)"
                  : "closed; opens " + w.describe(opening);
      return new WindowStatus(
          w.allow().stream().map(dev.fluke.manifest.Window.Entry::text).toList(),
          w.deny().stream().map(dev.fluke.manifest.Window.Entry::text).toList(),
          w.zone().getId(),
          open,
          opening,
          closing,
          next);
    }
  }

  public record DriftEntry(
      String agent,
      String task,
      Status status,
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

  /** {@code name} is null for {@link TargetKind#ALL}. */
  public record ReconcileTarget(TargetKind kind, String name) {
    public static final ReconcileTarget ALL = new ReconcileTarget(TargetKind.ALL, null);

    public static ReconcileTarget agent(String name) {
      return new ReconcileTarget(TargetKind.AGENT, name);
    }

    public static ReconcileTarget task(String name) {
      return new ReconcileTarget(TargetKind.TASK, name);
    }
  }

  /**
   * @param agents the agents a manual cycle was started (or queued) for
   * @param requestId the request's number (increasing); an agent whose {@link
   *     AgentSummary#manualServed()} is at least this number has ended the cycle that served it
   */
  public record ReconcileAccepted(
      boolean accepted,
      String message,
      ReconcileTarget target,
      List<String> agents,
      Instant requestedAt,
      long requestId) {}
}

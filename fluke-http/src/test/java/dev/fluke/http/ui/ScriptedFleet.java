package dev.fluke.http.ui;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.Status;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.http.TestFleetApi;
import dev.fluke.manifest.ManifestError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@link FleetApi} whose fleet the test changes as it goes: agents, their task statuses, task
 * definitions, events and the manifest status are set directly; drift, task details and counts are
 * derived from them as the server would. Manual reconciles are recorded in {@link #reconciles}.
 */
public final class ScriptedFleet implements FleetApi {
  private long requests;

  private final Map<String, Dto.AgentSummary> agents = new TreeMap<>();
  private final Map<String, List<Dto.TaskStatus>> agentTasks = new LinkedHashMap<>();
  private final Map<String, Dto.TaskSummary> tasks = new LinkedHashMap<>();
  private final Map<String, List<Dto.ExecutorDefinition>> definitions = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private Dto.ManifestStatus manifest =
      new Dto.ManifestStatus(
          "https://git.example.org/ops/fleet.git",
          "main",
          null,
          null,
          null,
          null,
          null,
          List.of(),
          0,
          List.of(),
          null,
          null);
  public final BlockingQueue<Dto.ReconcileTarget> reconciles = new LinkedBlockingQueue<>();

  private String historyUnavailable;

  /** What {@code nodes()} answers; null: a single server (FleetApi's default, one "local" node). */
  private List<Dto.NodeInfo> nodes;

  /** Scripts a cluster's answer to {@code GET /api/v1/nodes}. */
  public synchronized void nodes(List<Dto.NodeInfo> cluster) {
    nodes = List.copyOf(cluster);
  }

  @Override
  public synchronized CompletionStage<List<Dto.NodeInfo>> nodes() {
    return nodes != null ? done(nodes) : FleetApi.super.nodes();
  }

  /** Plans asked for, by ref; answered from {@link #planResults} (a plan with errors otherwise). */
  public final BlockingQueue<String> plans = new LinkedBlockingQueue<>();

  private final Map<String, dev.fluke.api.PlanResult> planResults = new LinkedHashMap<>();

  /** What a plan of {@code ref} answers. */
  public synchronized void planResult(String ref, dev.fluke.api.PlanResult result) {
    planResults.put(ref, result);
  }

  @Override
  public synchronized CompletionStage<dev.fluke.api.PlanResult> plan(
      String ref, java.time.Duration timeout) {
    plans.add(ref);
    dev.fluke.api.PlanResult r = planResults.get(ref);
    return done(
        r != null
            ? r
            : dev.fluke.api.PlanResult.failed(
                ref,
                null,
                manifest.commit(),
                "no branch, tag or commit '" + ref + "' in " + manifest.repository(),
                List.of(),
                Instant.now(),
                Instant.now()));
  }

  /** Agent details come without events and with this reason (null: with their events). */
  public synchronized void historyUnavailable(String why) {
    historyUnavailable = why;
  }

  public synchronized void putAgent(Dto.AgentSummary agent, List<Dto.TaskStatus> statuses) {
    agents.put(agent.name(), withCounts(agent, statuses));
    agentTasks.put(agent.name(), List.copyOf(statuses));
  }

  public synchronized void putTask(Dto.TaskSummary task, List<Dto.ExecutorDefinition> executors) {
    tasks.put(task.name(), task);
    definitions.put(task.name(), List.copyOf(executors));
  }

  public synchronized void addEvent(Event event) {
    events.add(event);
  }

  public synchronized void manifest(Dto.ManifestStatus status) {
    manifest = status;
  }

  @Override
  public synchronized CompletionStage<List<Dto.AgentSummary>> agents() {
    return done(List.copyOf(agents.values()));
  }

  @Override
  public synchronized CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    Dto.AgentSummary a = agents.get(name);
    if (a == null) {
      return done(Optional.empty());
    }
    if (historyUnavailable != null) {
      return done(
          Optional.of(
              new Dto.AgentDetail(a, agentTasks.get(name), List.of(), historyUnavailable, null)));
    }
    List<Event> recent = newestFirst(new EventQuery(name, null, null, 20));
    return done(Optional.of(new Dto.AgentDetail(a, agentTasks.get(name), recent)));
  }

  @Override
  public synchronized CompletionStage<List<Dto.TaskSummary>> tasks() {
    List<Dto.TaskSummary> out = new ArrayList<>();
    for (Dto.TaskSummary t : tasks.values()) {
      out.add(withTaskCounts(t));
    }
    return done(out);
  }

  @Override
  public synchronized CompletionStage<Optional<Dto.TaskDetail>> task(String name) {
    Dto.TaskSummary t = tasks.get(name);
    if (t == null) {
      return done(Optional.empty());
    }
    List<Dto.AgentTaskStatus> statuses = new ArrayList<>();
    agentTasks.forEach(
        (agent, list) ->
            list.stream()
                .filter(s -> s.task().equals(name))
                .forEach(
                    s ->
                        statuses.add(
                            new Dto.AgentTaskStatus(agent, agents.get(agent).connected(), s))));
    return done(
        Optional.of(new Dto.TaskDetail(withTaskCounts(t), definitions.get(name), statuses)));
  }

  @Override
  public synchronized CompletionStage<List<Dto.DriftEntry>> drift() {
    List<Dto.DriftEntry> out = new ArrayList<>();
    agentTasks.forEach(
        (agent, list) ->
            list.stream()
                .filter(
                    s -> Set.of(Status.DRIFTED, Status.FAILED, Status.ERROR).contains(s.status()))
                .forEach(
                    s ->
                        out.add(
                            new Dto.DriftEntry(
                                agent,
                                s.task(),
                                s.status(),
                                s.policy(),
                                s.alerted(),
                                s.lastCheckedAt(),
                                s.message()))));
    return done(out);
  }

  @Override
  public synchronized CompletionStage<List<Event>> events(EventQuery query) {
    return done(newestFirst(query));
  }

  @Override
  public synchronized CompletionStage<Dto.ManifestStatus> manifest() {
    return done(manifest);
  }

  /** Nothing is ever refused in a scripted fleet: every accept is answered "nothing waiting". */
  @Override
  public CompletionStage<Dto.RewriteAccepted> acceptRewrite(String commit) {
    return done(
        new Dto.RewriteAccepted(
            false, "no rewrite of the branch is waiting to be accepted", commit));
  }

  @Override
  public synchronized CompletionStage<Dto.ReconcileAccepted> reconcile(
      Dto.ReconcileTarget target, boolean force) {
    reconciles.add(target);
    if (force) {
      forcedReconciles.add(target);
    }
    List<String> chosen =
        switch (target.kind()) {
          case AGENT -> agents.containsKey(target.name()) ? List.of(target.name()) : List.of();
          case TASK ->
              agentTasks.entrySet().stream()
                  .filter(e -> e.getValue().stream().anyMatch(s -> s.task().equals(target.name())))
                  .map(Map.Entry::getKey)
                  .toList();
          case ALL ->
              agents.values().stream()
                  .filter(Dto.AgentSummary::connected)
                  .map(Dto.AgentSummary::name)
                  .toList();
        };
    boolean known =
        target.kind() == TargetKind.ALL
            || !chosen.isEmpty()
            || tasks.containsKey(String.valueOf(target.name()));
    return done(
        new Dto.ReconcileAccepted(
            known,
            known
                ? "manual reconcile started on " + chosen.size() + " agent(s)"
                : target.kind() + " '" + target.name() + "' not found",
            target,
            chosen,
            Instant.now(),
            ++requests));
  }

  /** The manual reconciles asked with {@code force}. */
  public final BlockingQueue<Dto.ReconcileTarget> forcedReconciles = new LinkedBlockingQueue<>();

  private final Map<String, Suspension> suspensions = new LinkedHashMap<>();

  /** The suspensions in force, the fleet first, then agents, then tasks. */
  @Override
  public synchronized CompletionStage<List<Suspension>> suspensions() {
    return done(
        suspensions.values().stream()
            .sorted(
                Comparator.comparing((Suspension s) -> s.scope().ordinal())
                    .thenComparing(s -> String.valueOf(s.name())))
            .toList());
  }

  @Override
  public synchronized CompletionStage<Suspension.Change> suspend(
      TargetKind scope, String name, String by, String reason, java.time.Duration forHowLong) {
    return done(
        TestFleetApi.suspend(suspensions, scope, name, by, reason, forHowLong, Instant.now()));
  }

  @Override
  public synchronized CompletionStage<Suspension.Change> resume(
      TargetKind scope, String name, String by) {
    return done(TestFleetApi.resume(suspensions, scope, name, by));
  }

  /**
   * Resumes the task's halted rollout as the server would: the failures are forgotten and the next
   * stage starts; a rollout that is not halted is answered unchanged.
   */
  @Override
  public synchronized CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(
      String task, String who) {
    Dto.TaskSummary t = tasks.get(task);
    Dto.RolloutStatus r = t == null ? null : t.rollout();
    if (r != null && r.state().equals("halted")) {
      r = TestFleetApi.resumed(r);
      tasks.put(
          task,
          new Dto.TaskSummary(
              t.name(),
              t.description(),
              t.policy(),
              t.selector(),
              t.executors(),
              t.file(),
              t.matchedAgents(),
              t.counts(),
              t.dependsOn(),
              r));
    }
    return done(Optional.ofNullable(r));
  }

  private List<Event> newestFirst(EventQuery query) {
    return events.stream()
        .filter(query::matches)
        .sorted(Comparator.comparing(Event::time).reversed())
        .limit(query.limit())
        .toList();
  }

  private Dto.TaskSummary withTaskCounts(Dto.TaskSummary t) {
    List<Dto.TaskStatus> statuses = new ArrayList<>();
    agentTasks
        .values()
        .forEach(
            list -> list.stream().filter(s -> s.task().equals(t.name())).forEach(statuses::add));
    return new Dto.TaskSummary(
        t.name(),
        t.description(),
        t.policy(),
        t.selector(),
        t.executors(),
        t.file(),
        statuses.size(),
        counts(statuses),
        t.dependsOn(),
        t.rollout());
  }

  private static Dto.AgentSummary withCounts(Dto.AgentSummary a, List<Dto.TaskStatus> statuses) {
    return new Dto.AgentSummary(
        a.name(),
        a.labels(),
        a.version(),
        a.connected(),
        a.connectedAt(),
        a.lastSeen(),
        a.cycle(),
        a.lastCycleEndedAt(),
        counts(statuses),
        a.manualServed());
  }

  static Dto.StatusCounts counts(List<Dto.TaskStatus> statuses) {
    return Dto.StatusCounts.of(statuses.stream().map(Dto.TaskStatus::status).toList());
  }

  /** A manifest status with these errors against the commit in force. */
  public static Dto.ManifestStatus manifestStatus(
      String commit,
      String candidate,
      Instant loadedAt,
      List<ManifestError> errors,
      int taskCount) {
    return new Dto.ManifestStatus(
        "https://git.example.org/ops/fleet.git",
        "main",
        commit,
        candidate,
        loadedAt,
        Instant.now(),
        null,
        errors,
        taskCount,
        List.of("base.fluke.hcl", "apps/web.fluke.hcl"),
        commit == null ? null : "https://git.example.org/ops/fleet.git",
        null);
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}

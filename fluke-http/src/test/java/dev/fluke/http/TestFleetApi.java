package dev.fluke.http;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.PlanResult;
import dev.fluke.api.Status;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.ManifestError;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-memory fleet for API and CLI tests: two agents ({@code web-01} connected, {@code db-01}
 * disconnected), two tasks, one drifted pair, a handful of events and a manifest whose newest
 * commit was rejected. A manual reconcile behaves like the real server: the agent shows {@code
 * checking} on the next read, then {@code idle} with {@code last_cycle_ended_at} after the request
 * and the task statuses set by {@link #reconcileOutcome}. Also records the last event query and can
 * fail every call.
 */
public class TestFleetApi implements FleetApi, dev.fluke.api.PartialFleet {
  public static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

  /** The rewritten branch tip the manifest status shows as refused, waiting to be accepted. */
  public static final String REFUSED = "5e4f32109a8b7c6d5e4f32109a8b7c6d5e4f3210";

  private final Map<String, Dto.AgentSummary> agents = new LinkedHashMap<>();
  private final Map<String, List<Dto.TaskStatus>> agentTasks = new LinkedHashMap<>();
  private final Map<String, Integer> cyclesInFlight = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final Map<String, Status> reconcileOutcome = new LinkedHashMap<>();
  private long requests;
  private final Map<String, Long> requestOf = new LinkedHashMap<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicReference<Throwable> eventsFailure = new AtomicReference<>();
  private final AtomicReference<EventQuery> lastEventQuery = new AtomicReference<>();
  private final AtomicReference<Dto.ReconcileTarget> lastReconcile = new AtomicReference<>();
  private final AtomicReference<String> lastAccept = new AtomicReference<>();
  private Instant now = T0.plusSeconds(3600);

  public TestFleetApi() {
    agents.put(
        "db-01",
        new Dto.AgentSummary(
            "db-01",
            Map.of("role", "db", "env", "prod"),
            "0.1.0",
            false,
            T0,
            T0.plusSeconds(600),
            CyclePhase.IDLE,
            T0.plusSeconds(590),
            new Dto.StatusCounts(0, 0, 0, 1, 0, 0),
            0));
    agents.put(
        "web-01",
        new Dto.AgentSummary(
            "web-01",
            Map.of("role", "web", "env", "prod"),
            "0.1.0",
            true,
            T0,
            T0.plusSeconds(3590),
            CyclePhase.IDLE,
            T0.plusSeconds(3580),
            new Dto.StatusCounts(1, 1, 0, 0, 0, 0),
            0));
    agentTasks.put(
        "web-01",
        List.of(
            taskStatus("base_packages", "satisfied", "remediate", ""),
            taskStatus("deploy_app", "drifted", "alert_only", "check exited 1")));
    agentTasks.put(
        "db-01",
        List.of(taskStatus("base_packages", "error", "remediate", "mise: command not found")));
    events.add(
        event(
            T0.plusSeconds(3580), "check", "web-01", "deploy_app", "drifted", 1, "check exited 1"));
    events.add(
        event(
            T0.plusSeconds(3579),
            "check",
            "web-01",
            "base_packages",
            "satisfied",
            0,
            "check passed"));
    events.add(
        event(T0.plusSeconds(600), "agent", "db-01", "", "disconnected", -1, "stream closed"));
    events.add(
        event(
            T0.plusSeconds(590),
            "check",
            "db-01",
            "base_packages",
            "error",
            -1,
            "mise: command not found"));
    events.add(event(T0, "agent", "web-01", "", "connected", -1, "registered"));
    reconcileOutcome.put("deploy_app", Status.SATISFIED);
    reconcileOutcome.put("base_packages", Status.SATISFIED);
  }

  /** The server clock: {@code requested_at} of manual reconciles. */
  public synchronized Instant now() {
    return now;
  }

  /** What each task's status becomes on an agent after a manual cycle (default: satisfied). */
  public synchronized void reconcileOutcome(String task, String status) {
    reconcileOutcome.put(task, Status.parse(status).orElseThrow());
  }

  /**
   * Makes the event history unavailable ({@code t}, normally a {@link
   * dev.fluke.api.HistoryUnavailable}; null to heal): events fail, agent details come without
   * events and say why, as the server answers when its event store is down.
   */
  public void failEventsWith(Throwable t) {
    eventsFailure.set(t);
  }

  /** Makes every later call fail with {@code t} (null to heal). */
  public void failWith(Throwable t) {
    failure.set(t);
  }

  public EventQuery lastEventQuery() {
    return lastEventQuery.get();
  }

  public Dto.ReconcileTarget lastReconcile() {
    return lastReconcile.get();
  }

  /** Whether the last manual reconcile was forced. */
  public synchronized boolean lastForce() {
    return lastForce;
  }

  private boolean lastForce;

  // --- Suspensions: kept in memory, one per scope, listed the fleet first, then agents, then tasks

  private final Map<String, Suspension> suspensions = new LinkedHashMap<>();

  @Override
  public synchronized CompletionStage<List<Suspension>> suspensions() {
    return answer(
        suspensions.values().stream()
            .sorted(
                Comparator.comparing((Suspension s) -> s.scope().ordinal())
                    .thenComparing(s -> String.valueOf(s.name())))
            .toList());
  }

  @Override
  public synchronized CompletionStage<Suspension.Change> suspend(
      TargetKind scope, String name, String by, String reason, Duration forHowLong) {
    return answer(suspend(suspensions, scope, name, by, reason, forHowLong, now));
  }

  @Override
  public synchronized CompletionStage<Suspension.Change> resume(
      TargetKind scope, String name, String by) {
    return answer(resume(suspensions, scope, name, by));
  }

  /** A test fleet's suspend: the scope's suspension in {@code suspensions}, made at {@code now}. */
  public static Suspension.Change suspend(
      Map<String, Suspension> suspensions,
      TargetKind scope,
      String name,
      String by,
      String reason,
      Duration forHowLong,
      Instant now) {
    Suspension s =
        new Suspension(
            scope, name, by, reason, now, forHowLong == null ? null : now.plus(forHowLong));
    suspensions.put(s.key(), s);
    return new Suspension.Change(true, s.describe(), s);
  }

  /**
   * A test fleet's resume: the scope's suspension gone from {@code suspensions}, if it was there.
   */
  public static Suspension.Change resume(
      Map<String, Suspension> suspensions, TargetKind scope, String name, String by) {
    Suspension s = suspensions.remove(Suspension.key(scope, name));
    return s == null
        ? new Suspension.Change(
            false,
            (scope == TargetKind.ALL ? "the fleet" : scope.word() + " " + name)
                + " is not suspended",
            null)
        : new Suspension.Change(true, s.scopeText() + " resumed by " + by, s);
  }

  // --- Plans: answered from planResult(ref, result); a ref nobody scripted does not exist

  private final Map<String, PlanResult> planResults = new LinkedHashMap<>();

  /** What a plan of {@code ref} answers. */
  public synchronized void planResult(String ref, PlanResult result) {
    planResults.put(ref, result);
  }

  @Override
  public synchronized CompletionStage<PlanResult> plan(String ref, Duration timeout) {
    PlanResult r = planResults.get(ref);
    return answer(
        r != null
            ? r
            : PlanResult.failed(
                ref,
                null,
                "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c",
                "no branch, tag or commit '" + ref + "' in https://git.example.org/fleet.git",
                List.of(),
                now,
                now));
  }

  // --- Rollouts: a task's rollout is set by rollout(status); a resume restarts a halted one

  private final Map<String, Dto.RolloutStatus> rollouts = new LinkedHashMap<>();

  /** Gives task {@code status.task()} this rollout (shown in its summary). */
  public synchronized void rollout(Dto.RolloutStatus status) {
    rollouts.put(status.task(), status);
  }

  @Override
  public synchronized CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(
      String task, String who) {
    Dto.RolloutStatus r = rollouts.get(task);
    if (r != null && r.state().equals("halted")) {
      r = resumed(r);
      rollouts.put(task, r);
    }
    return answer(Optional.ofNullable(r));
  }

  /**
   * A halted rollout resumed as the engine does it: running, its failures forgotten, the next stage
   * started.
   */
  public static Dto.RolloutStatus resumed(Dto.RolloutStatus r) {
    return new Dto.RolloutStatus(
        r.task(),
        r.commit(),
        "running",
        r.stage(),
        Math.min(r.stagesStarted() + 1, r.stages()),
        r.stages(),
        r.agents(),
        r.done(),
        0,
        r.inProgress(),
        r.waiting(),
        r.canary(),
        r.batch(),
        r.maxFailures(),
        r.pause(),
        r.startedAt(),
        null,
        null,
        List.of());
  }

  /** The commit the last accept request named, or null. */
  public String lastAccept() {
    return lastAccept.get();
  }

  @Override
  public synchronized CompletionStage<Dto.Partial<List<Dto.AgentSummary>>> agentsFromEveryNode() {
    List<String> missing = List.copyOf(missingNodes);
    return agents().thenApply(all -> new Dto.Partial<>(all, missing));
  }

  @Override
  public synchronized CompletionStage<Dto.Partial<List<Dto.TaskSummary>>> tasksFromEveryNode() {
    List<String> missing = List.copyOf(missingNodes);
    return tasks().thenApply(all -> new Dto.Partial<>(all, missing));
  }

  @Override
  public synchronized CompletionStage<Dto.Partial<java.util.Optional<Dto.TaskDetail>>>
      taskFromEveryNode(String name) {
    List<String> missing = List.copyOf(missingNodes);
    return task(name).thenApply(t -> new Dto.Partial<>(t, missing));
  }

  @Override
  public synchronized CompletionStage<Dto.Partial<List<Dto.DriftEntry>>> driftFromEveryNode() {
    List<String> missing = List.copyOf(missingNodes);
    return drift().thenApply(all -> new Dto.Partial<>(all, missing));
  }

  @Override
  public synchronized CompletionStage<Dto.Partial<List<Event>>> eventsFromEveryNode(
      EventQuery query) {
    List<String> missing = List.copyOf(missingNodes);
    return events(query).thenApply(all -> new Dto.Partial<>(all, missing));
  }

  /** Cluster mode as the API sees it: these nodes did not answer the fleet list. */
  public synchronized void missingNodes(List<String> nodes) {
    missingNodes = List.copyOf(nodes);
  }

  private List<String> missingNodes = List.of();

  @Override
  public synchronized CompletionStage<List<Dto.AgentSummary>> agents() {
    advanceCycles();
    return answer(
        List.copyOf(
            agents.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList()));
  }

  @Override
  public synchronized CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    Dto.AgentSummary summary = agents.get(name);
    if (summary == null) {
      return answer(Optional.empty());
    }
    Throwable history = eventsFailure.get();
    if (history != null) {
      // As the server does: the live state, no events, and why.
      return answer(
          Optional.of(
              new Dto.AgentDetail(
                  summary, agentTasks.get(name), List.of(), history.getMessage(), null)));
    }
    List<Event> recent = events.stream().filter(e -> e.agent().equals(name)).toList();
    return answer(Optional.of(new Dto.AgentDetail(summary, agentTasks.get(name), recent)));
  }

  @Override
  public synchronized CompletionStage<List<Dto.TaskSummary>> tasks() {
    return answer(List.of(taskSummary("base_packages"), taskSummary("deploy_app")));
  }

  @Override
  public synchronized CompletionStage<Optional<Dto.TaskDetail>> task(String name) {
    if (!name.equals("base_packages") && !name.equals("deploy_app")) {
      return answer(Optional.empty());
    }
    List<Dto.ExecutorDefinition> executors =
        name.equals("deploy_app")
            ? List.of(
                new Dto.ExecutorDefinition(
                    "mise",
                    "deploy",
                    Map.of("working_dir", "/opt/app", "check_task", "check"),
                    "abort"),
                new Dto.ExecutorDefinition(
                    "systemd", "app", Map.of("unit", "app.service", "enabled", true), "abort"))
            : List.of(
                new Dto.ExecutorDefinition(
                    "shell",
                    "packages",
                    Map.of("check", "dpkg -s curl", "command", "apt-get install -y curl"),
                    "continue"));
    List<Dto.AgentTaskStatus> statuses = new ArrayList<>();
    for (Dto.AgentSummary agent : agents.values()) {
      agentTasks.getOrDefault(agent.name(), List.of()).stream()
          .filter(t -> t.task().equals(name))
          .forEach(t -> statuses.add(new Dto.AgentTaskStatus(agent.name(), agent.connected(), t)));
    }
    return answer(Optional.of(new Dto.TaskDetail(taskSummary(name), executors, statuses)));
  }

  @Override
  public synchronized CompletionStage<List<Dto.DriftEntry>> drift() {
    List<Dto.DriftEntry> drift = new ArrayList<>();
    agentTasks.forEach(
        (agent, tasks) ->
            tasks.stream()
                .filter(t -> t.status() != Status.SATISFIED)
                .forEach(
                    t ->
                        drift.add(
                            new Dto.DriftEntry(
                                agent,
                                t.task(),
                                t.status(),
                                t.policy(),
                                t.alerted(),
                                t.lastCheckedAt(),
                                t.message()))));
    return answer(drift);
  }

  @Override
  public synchronized CompletionStage<List<Event>> events(EventQuery query) {
    lastEventQuery.set(query);
    if (eventsFailure.get() != null) {
      return CompletableFuture.failedFuture(eventsFailure.get());
    }
    return answer(events.stream().filter(query::matches).limit(query.limit()).toList());
  }

  @Override
  public CompletionStage<Dto.ManifestStatus> manifest() {
    return answer(
        new Dto.ManifestStatus(
            "https://git.example.org/fleet.git",
            "main",
            "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c",
            "9a8b7c6d5e4f32109a8b7c6d5e4f32109a8b7c6d",
            T0,
            T0.plusSeconds(3595),
            null,
            List.of(
                new ManifestError(
                    new SourcePos("apps/web.fluke.hcl", 12, 5),
                    "unknown attribute \"comand\"; expected one of: check, command")),
            2,
            List.of("apps/web.fluke.hcl", "base.fluke.hcl"),
            "https://git.example.org/fleet.git",
            REFUSED));
  }

  /** Accepts {@link #REFUSED} (or a prefix of it), as the server does; anything else is refused. */
  @Override
  public CompletionStage<Dto.RewriteAccepted> acceptRewrite(String commit) {
    lastAccept.set(commit);
    if (commit.length() >= 7 && REFUSED.startsWith(commit)) {
      return answer(
          new Dto.RewriteAccepted(
              true, "the rewrite of branch 'main' to " + REFUSED + " is accepted", REFUSED));
    }
    return answer(
        new Dto.RewriteAccepted(
            false,
            "the rewrite waiting to be accepted is to " + REFUSED + ", not " + commit,
            commit));
  }

  @Override
  public synchronized CompletionStage<Dto.ReconcileAccepted> reconcile(
      Dto.ReconcileTarget target, boolean force) {
    lastReconcile.set(target);
    lastForce = force;
    now = now.plusSeconds(1);
    List<String> chosen =
        switch (target.kind()) {
          case ALL ->
              agents.values().stream()
                  .filter(Dto.AgentSummary::connected)
                  .map(Dto.AgentSummary::name)
                  .toList();
          case AGENT -> agents.containsKey(target.name()) ? List.of(target.name()) : List.of();
          default ->
              agentTasks.entrySet().stream()
                  .filter(e -> e.getValue().stream().anyMatch(t -> t.task().equals(target.name())))
                  .filter(e -> agents.get(e.getKey()).connected())
                  .map(Map.Entry::getKey)
                  .toList();
        };
    boolean known =
        switch (target.kind()) {
          case ALL -> true;
          case AGENT -> agents.containsKey(target.name());
          default -> target.name().equals("base_packages") || target.name().equals("deploy_app");
        };
    if (!known) {
      return answer(
          new Dto.ReconcileAccepted(
              false,
              target.kind() + " '" + target.name() + "' not found",
              target,
              List.of(),
              now,
              0));
    }
    long request = ++requests;
    for (String agent : chosen) {
      cyclesInFlight.put(agent, 1);
      requestOf.put(agent, request);
      Dto.AgentSummary a = agents.get(agent);
      agents.put(agent, withCycle(a, CyclePhase.CHECKING, a.lastCycleEndedAt(), a.manualServed()));
    }
    return answer(
        new Dto.ReconcileAccepted(
            true,
            "manual reconcile started on " + chosen.size() + " agent(s)",
            target,
            chosen,
            now,
            request));
  }

  /** Each read of the agent list moves a manual cycle on: checking once, then done. */
  private void advanceCycles() {
    for (var it = cyclesInFlight.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (entry.getValue() > 0) {
        entry.setValue(entry.getValue() - 1);
        continue;
      }
      it.remove();
      String agent = entry.getKey();
      now = now.plusSeconds(2);
      agents.put(agent, withCycle(agents.get(agent), CyclePhase.IDLE, now, requestOf.get(agent)));
      List<Dto.TaskStatus> updated = new ArrayList<>();
      for (Dto.TaskStatus t : agentTasks.get(agent)) {
        Status status = reconcileOutcome.getOrDefault(t.task(), Status.SATISFIED);
        String message = status == Status.FAILED ? "apply exited 2" : "";
        updated.add(
            new Dto.TaskStatus(
                t.task(), status, t.policy(), false, now, now, message, t.executors()));
      }
      agentTasks.put(agent, updated);
    }
  }

  private <T> CompletionStage<T> answer(T value) {
    Throwable t = failure.get();
    return t == null ? CompletableFuture.completedFuture(value) : CompletableFuture.failedFuture(t);
  }

  private Dto.TaskSummary taskSummary(String name) {
    boolean deploy = name.equals("deploy_app");
    Dto.TaskSummary t = fixedTaskSummary(name, deploy);
    return new Dto.TaskSummary(
        t.name(),
        t.description(),
        t.policy(),
        t.selector(),
        t.executors(),
        t.file(),
        t.matchedAgents(),
        t.counts(),
        t.dependsOn(),
        rollouts.get(name));
  }

  private static Dto.TaskSummary fixedTaskSummary(String name, boolean deploy) {
    return new Dto.TaskSummary(
        name,
        deploy ? "Deploy the web app" : "Packages every host needs",
        deploy ? "alert_only" : "remediate",
        deploy ? Map.of("role", "web") : Map.of(),
        deploy ? List.of("mise \"deploy\"", "systemd \"app\"") : List.of("shell \"packages\""),
        deploy ? "apps/web.fluke.hcl" : "base.fluke.hcl",
        deploy ? 1 : 2,
        deploy ? new Dto.StatusCounts(0, 1, 0, 0, 0, 0) : new Dto.StatusCounts(1, 0, 0, 1, 0, 0));
  }

  private static Dto.AgentSummary withCycle(
      Dto.AgentSummary a, CyclePhase cycle, Instant ended, long manualServed) {
    return new Dto.AgentSummary(
        a.name(),
        a.labels(),
        a.version(),
        a.connected(),
        a.connectedAt(),
        a.lastSeen(),
        cycle,
        ended,
        a.counts(),
        manualServed);
  }

  private static Dto.TaskStatus taskStatus(
      String task, String word, String policy, String message) {
    Status status = Status.parse(word).orElseThrow();
    Instant checked = T0.plusSeconds(3580);
    return new Dto.TaskStatus(
        task,
        status,
        policy,
        status == Status.DRIFTED,
        checked,
        status == Status.SATISFIED ? T0.plusSeconds(60) : null,
        message,
        List.of(
            new Dto.ExecutorStatus(
                "main",
                "shell",
                status,
                "check",
                status == Status.SATISFIED ? 0 : 1,
                status == Status.SATISFIED ? "" : "missing /opt/app/.deployed\n",
                message,
                checked)));
  }

  private static Event event(
      Instant time,
      String kind,
      String agent,
      String task,
      String outcome,
      int exit,
      String message) {
    return new Event(
        time,
        kind,
        agent,
        task,
        task.isEmpty() ? "" : "shell \"main\"",
        outcome,
        exit,
        120,
        "",
        message);
  }
}

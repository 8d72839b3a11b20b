package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.HistoryUnavailable;
import dev.fluke.api.PlanResult;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.EventStore;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;

/**
 * {@link FleetApi} over the server's actors: each call is an ask with the configured timeout (a
 * stage that fails with a {@link java.util.concurrent.TimeoutException} when the actors do not
 * answer); events are read from the {@link EventStore} directly, bounded by the same timeout. When
 * the store cannot answer (Redis down), {@link #events} fails with {@link HistoryUnavailable} and
 * {@link #agent} still answers with the live state and says that its history is unavailable.
 */
final class ActorFleetApi implements FleetApi {
  private final ActorRef<AgentRegistry.Command> agents;
  private final ActorRef<TaskRegistry.Command> tasks;
  private final ActorRef<GitWatcher.Command> git;
  private final ActorRef<SuspensionKeeper.Command> keeper;
  private final Suspensions suspended;
  private final ServerSettings settings;
  private final EventStore events;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final int recentEvents;
  private final String version;
  private final ManifestSync plans;
  private final java.util.concurrent.Executor blocking;

  /**
   * Numbers manual reconcile requests: increasing for the life of this server and, started from the
   * clock, across its restarts too (agents report the newest one served).
   */
  private final AtomicLong manualRequests;

  /**
   * {@code plans} reads other refs for {@link #plan}: a {@link ManifestSync} of its own, never the
   * clone in force.
   */
  ActorFleetApi(
      ActorSystem<?> system,
      ServerSettings settings,
      ActorRef<AgentRegistry.Command> agents,
      ActorRef<TaskRegistry.Command> tasks,
      ActorRef<GitWatcher.Command> git,
      ActorRef<SuspensionKeeper.Command> keeper,
      Suspensions suspended,
      EventStore events,
      ManifestSync plans) {
    this.keeper = keeper;
    this.suspended = suspended;
    this.settings = settings;
    this.plans = plans;
    this.blocking = Blocking.executor(system);
    // A stopping server waits for a plan reading Git, as for its own sync.
    plans.closeOnShutdown(system, "plans", blocking);
    this.agents = agents;
    this.tasks = tasks;
    this.git = git;
    this.events = events;
    this.scheduler = system.scheduler();
    this.timeout = settings.api().askTimeout();
    this.recentEvents = settings.api().recentEvents();
    this.version = settings.version();
    this.manualRequests = new AtomicLong(settings.clock().millis() * 1000);
  }

  @Override
  public CompletionStage<List<Dto.AgentSummary>> agents() {
    return ask(agents, AgentRegistry.GetAgents::new);
  }

  @Override
  public CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    CompletionStage<Optional<Dto.AgentDetail>> detail =
        ask(agents, replyTo -> new AgentRegistry.GetAgent(name, replyTo));
    return detail.thenCompose(
        found -> {
          if (found.isEmpty() || recentEvents == 0) {
            return CompletableFuture.completedFuture(found);
          }
          Dto.AgentDetail d = found.get();
          // The live state is in memory and current: an event store that is down costs the history
          // only, never the answer.
          return events(new EventQuery(name, null, null, recentEvents))
              .handle(
                  (recent, failure) ->
                      Optional.of(
                          failure == null
                              ? d.withHistory(recent, null)
                              : d.withHistory(List.of(), unwrap(failure).getMessage())));
        });
  }

  @Override
  public CompletionStage<List<Dto.TaskSummary>> tasks() {
    return ask(tasks, TaskRegistry.GetTasks::new);
  }

  @Override
  public CompletionStage<Optional<Dto.TaskDetail>> task(String name) {
    return ask(tasks, replyTo -> new TaskRegistry.GetTask(name, replyTo));
  }

  @Override
  public CompletionStage<List<Dto.DriftEntry>> drift() {
    return ask(tasks, TaskRegistry.GetDrift::new);
  }

  /**
   * The store's answer within the API's timeout; any failure (Redis down, no answer in time)
   * becomes {@link HistoryUnavailable} with a message an operator can act on.
   */
  @Override
  public CompletionStage<List<Event>> events(EventQuery query) {
    CompletableFuture<List<Event>> answer;
    try {
      answer = events.query(query).toCompletableFuture().copy();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            failure -> CompletableFuture.failedFuture(historyUnavailable(unwrap(failure))));
  }

  private HistoryUnavailable historyUnavailable(Throwable cause) {
    if (cause instanceof HistoryUnavailable h) {
      return h;
    }
    String why =
        cause instanceof TimeoutException
            ? "it did not answer within " + Durations.format(timeout)
            : cause.getMessage() == null || cause.getMessage().isBlank()
                ? cause.getClass().getSimpleName()
                : cause.getMessage();
    return new HistoryUnavailable(
        "the event history is unavailable: the event store ("
            + events
            + ") cannot be read ("
            + why
            + ")",
        cause);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  @Override
  public CompletionStage<Dto.ManifestStatus> manifest() {
    return ask(git, GitWatcher.GetStatus::new);
  }

  @Override
  public CompletionStage<Dto.RewriteAccepted> acceptRewrite(String commit) {
    return ask(git, replyTo -> new GitWatcher.AcceptRewrite(commit, replyTo));
  }

  /** The one node, with this server's version. */
  @Override
  public CompletionStage<List<Dto.NodeInfo>> nodes() {
    return FleetApi.super
        .nodes()
        .thenApply(
            list ->
                list.stream()
                    .map(
                        n ->
                            new Dto.NodeInfo(
                                n.address(),
                                n.status(),
                                n.reachable(),
                                n.answered(),
                                n.agents(),
                                n.leader(),
                                n.singletons(),
                                version,
                                n.self()))
                    .toList());
  }

  @Override
  public CompletionStage<Dto.ReconcileAccepted> reconcile(
      Dto.ReconcileTarget target, boolean force) {
    long requestId = manualRequests.incrementAndGet();
    CompletionStage<Dto.ReconcileAccepted> started =
        switch (target.kind()) {
          case ALL, AGENT ->
              ask(
                  agents,
                  replyTo -> new AgentRegistry.Reconcile(target, requestId, force, replyTo));
          case TASK ->
              ask(
                  tasks,
                  replyTo ->
                      new TaskRegistry.ReconcileTask(target.name(), requestId, force, replyTo));
        };
    return started.thenApply(a -> a.accepted() ? withSuspensionNote(a, target, force) : a);
  }

  /** A manual reconcile of a suspended scope says so (and what --force does). */
  private Dto.ReconcileAccepted withSuspensionNote(
      Dto.ReconcileAccepted a, Dto.ReconcileTarget target, boolean force) {
    java.time.Instant now = settings.now();
    List<dev.fluke.api.Suspension> all = suspended.all(now);
    String note;
    if (force) {
      note = "forced: suspensions and maintenance windows do not hold its applies back";
    } else {
      dev.fluke.api.Suspension fleet = suspended.of(dev.fluke.api.TargetKind.ALL, null, now);
      dev.fluke.api.Suspension own =
          target.kind() == dev.fluke.api.TargetKind.ALL
              ? null
              : suspended.of(target.kind(), target.name(), now);
      dev.fluke.api.Suspension holding = fleet != null ? fleet : own;
      if (holding != null) {
        note =
            holding.describe()
                + ": its tasks are checked but not applied; add --force (API: \"force\": true)"
                + " to apply them";
      } else if (!all.isEmpty()) {
        note =
            all.size()
                + " suspension(s) in force: what they cover is checked but not applied (--force"
                + " applies)";
      } else {
        return a;
      }
    }
    return new Dto.ReconcileAccepted(
        a.accepted(),
        a.message() + "; " + note,
        a.target(),
        a.agents(),
        a.requestedAt(),
        a.requestId());
  }

  @Override
  public CompletionStage<List<dev.fluke.api.Suspension>> suspensions() {
    return ask(keeper, SuspensionKeeper.GetAll::new);
  }

  @Override
  public CompletionStage<dev.fluke.api.Suspension.Change> suspend(
      dev.fluke.api.TargetKind scope, String name, String by, String reason, Duration forHowLong) {
    return ask(
        keeper,
        replyTo -> new SuspensionKeeper.Suspend(scope, name, by, reason, forHowLong, replyTo));
  }

  @Override
  public CompletionStage<dev.fluke.api.Suspension.Change> resume(
      dev.fluke.api.TargetKind scope, String name, String by) {
    return ask(keeper, replyTo -> new SuspensionKeeper.Resume(scope, name, by, replyTo));
  }

  /**
   * Reads the ref on the blocking dispatcher (Git and parsing), then hands it to the registry's
   * {@link PlanQuery}, which answers within {@code timeout} ({@link PlanResult#DEFAULT_TIMEOUT}
   * when null).
   */
  @Override
  public CompletionStage<PlanResult> plan(String ref, Duration timeout) {
    Duration wait = timeout == null ? PlanResult.DEFAULT_TIMEOUT : timeout;
    java.time.Instant started = settings.now();
    return CompletableFuture.supplyAsync(() -> plans.loadRef(ref), blocking)
        .thenCompose(
            loaded ->
                AskPattern.ask(
                    agents,
                    (ActorRef<PlanResult> replyTo) ->
                        new AgentRegistry.Plan(loaded, wait, started, replyTo),
                    wait.plus(this.timeout),
                    scheduler));
  }

  @Override
  public CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(String task, String who) {
    return ask(tasks, replyTo -> new TaskRegistry.ResumeRollout(task, who, replyTo));
  }

  private <C, R> CompletionStage<R> ask(ActorRef<C> target, Function<ActorRef<R>, C> message) {
    return AskPattern.ask(target, message, timeout, scheduler);
  }
}

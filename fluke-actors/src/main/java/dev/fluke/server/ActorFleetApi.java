package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.HistoryUnavailable;
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
  private final EventStore events;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final int recentEvents;

  /**
   * Numbers manual reconcile requests: increasing for the life of this server and, started from the
   * clock, across its restarts too (agents report the newest one served).
   */
  private final AtomicLong manualRequests;

  ActorFleetApi(
      ActorSystem<?> system,
      ServerSettings settings,
      ActorRef<AgentRegistry.Command> agents,
      ActorRef<TaskRegistry.Command> tasks,
      ActorRef<GitWatcher.Command> git,
      EventStore events) {
    this.agents = agents;
    this.tasks = tasks;
    this.git = git;
    this.events = events;
    this.scheduler = system.scheduler();
    this.timeout = settings.api().askTimeout();
    this.recentEvents = settings.api().recentEvents();
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

  @Override
  public CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target) {
    long requestId = manualRequests.incrementAndGet();
    return switch (target.kind()) {
      case ALL, AGENT ->
          ask(agents, replyTo -> new AgentRegistry.Reconcile(target, requestId, replyTo));
      case TASK ->
          ask(tasks, replyTo -> new TaskRegistry.ReconcileTask(target.name(), requestId, replyTo));
    };
  }

  @Override
  public CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(String task, String who) {
    return ask(tasks, replyTo -> new TaskRegistry.ResumeRollout(task, who, replyTo));
  }

  private <C, R> CompletionStage<R> ask(ActorRef<C> target, Function<ActorRef<R>, C> message) {
    return AskPattern.ask(target, message, timeout, scheduler);
  }
}

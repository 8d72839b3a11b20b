package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.TaskSpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Keeps one {@link TaskReconciler} per task of the desired state in force: on every new snapshot
 * from the {@link GitWatcher} it starts reconcilers for new tasks, updates changed ones and stops
 * removed ones, then hands the snapshot and the reconcilers to the {@link AgentRegistry} (so
 * sessions push task status straight to the right reconciler). Answers task questions: one task by
 * forwarding, all tasks and the fleet's drift with a {@link TaskQuery} scatter-gather.
 */
public final class TaskRegistry extends AbstractBehavior<TaskRegistry.Command> {

  public sealed interface Command {}

  /** Replies with every task summary, in declaration order. */
  public record GetTasks(ActorRef<List<Dto.TaskSummary>> replyTo) implements Command {}

  /** Replies with every not-satisfied (agent, task) pair. */
  public record GetDrift(ActorRef<List<Dto.DriftEntry>> replyTo) implements Command {}

  /** Replies with the task's detail, empty when no such task is in force. */
  public record GetTask(String name, ActorRef<Optional<Dto.TaskDetail>> replyTo)
      implements Command {}

  /** Manual reconcile of one task; replies not accepted when no such task is in force. */
  public record ReconcileTask(String name, ActorRef<Dto.ReconcileAccepted> replyTo)
      implements Command {}

  private record SnapshotArrived(DesiredState state) implements Command {}

  private final DriftPolicy defaultPolicy;
  private final Duration retention;
  private final Duration gatherTimeout;
  private final ActorRef<AgentRegistry.Command> agents;
  // Declaration order of the state in force.
  private Map<String, ActorRef<TaskReconciler.Command>> reconcilers = new LinkedHashMap<>();
  private long generation;
  private long queries;

  public static Behavior<Command> create(
      ServerSettings settings,
      ActorRef<GitWatcher.Command> git,
      ActorRef<AgentRegistry.Command> agents) {
    return Behaviors.setup(ctx -> new TaskRegistry(ctx, settings, git, agents));
  }

  private TaskRegistry(
      ActorContext<Command> context,
      ServerSettings settings,
      ActorRef<GitWatcher.Command> git,
      ActorRef<AgentRegistry.Command> agents) {
    super(context);
    this.defaultPolicy = settings.reconcile().defaultPolicy();
    this.retention = settings.agents().disconnectedRetention();
    this.gatherTimeout = settings.api().gatherTimeout();
    this.agents = agents;
    git.tell(
        new GitWatcher.Subscribe(context.messageAdapter(DesiredState.class, SnapshotArrived::new)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SnapshotArrived.class, this::onSnapshot)
        .onMessage(GetTasks.class, this::onGetTasks)
        .onMessage(GetDrift.class, this::onGetDrift)
        .onMessage(GetTask.class, this::onGetTask)
        .onMessage(ReconcileTask.class, this::onReconcileTask)
        .build();
  }

  private Behavior<Command> onSnapshot(SnapshotArrived s) {
    generation++;
    Map<String, ActorRef<TaskReconciler.Command>> next = new LinkedHashMap<>();
    for (TaskSpec task : s.state().tasks()) {
      ActorRef<TaskReconciler.Command> existing = reconcilers.remove(task.name());
      if (existing != null) {
        existing.tell(new TaskReconciler.UpdateSpec(task));
        next.put(task.name(), existing);
      } else {
        // The generation keeps names unique while a removed task's reconciler may still be
        // stopping.
        String actorName =
            "task-" + URLEncoder.encode(task.name(), StandardCharsets.UTF_8) + "-" + generation;
        next.put(
            task.name(),
            getContext().spawn(TaskReconciler.create(task, defaultPolicy, retention), actorName));
      }
    }
    for (ActorRef<TaskReconciler.Command> removed : reconcilers.values()) {
      getContext().stop(removed);
    }
    reconcilers = next;
    agents.tell(new AgentRegistry.DesiredStateChanged(s.state(), Map.copyOf(next)));
    return this;
  }

  private Behavior<Command> onGetTasks(GetTasks g) {
    gather(
        g.replyTo(),
        reports -> {
          List<Dto.TaskSummary> out = new ArrayList<>();
          for (TaskReconciler.Report r : reports) {
            out.add(r.summary());
          }
          return out;
        });
    return this;
  }

  private Behavior<Command> onGetDrift(GetDrift g) {
    gather(
        g.replyTo(),
        reports -> {
          List<Dto.DriftEntry> out = new ArrayList<>();
          for (TaskReconciler.Report r : reports) {
            out.addAll(r.drift());
          }
          return out;
        });
    return this;
  }

  private <R> void gather(
      ActorRef<R> replyTo, java.util.function.Function<List<TaskReconciler.Report>, R> f) {
    getContext()
        .spawn(
            TaskQuery.create(new LinkedHashMap<>(reconcilers), gatherTimeout, replyTo, f),
            "query-" + (++queries));
  }

  private Behavior<Command> onGetTask(GetTask g) {
    ActorRef<TaskReconciler.Command> r = reconcilers.get(g.name());
    if (r == null) {
      g.replyTo().tell(Optional.empty());
    } else {
      // The reconciler may be stopping (its task left with a new commit): then the task is gone.
      AskOrFallback.ask(
          getContext(),
          r,
          TaskReconciler.GetDetail::new,
          gatherTimeout,
          g.replyTo(),
          stopped -> Optional.empty());
    }
    return this;
  }

  private Behavior<Command> onReconcileTask(ReconcileTask rt) {
    ActorRef<TaskReconciler.Command> r = reconcilers.get(rt.name());
    if (r == null) {
      rt.replyTo()
          .tell(
              new Dto.ReconcileAccepted(
                  false,
                  "no task named " + rt.name() + " is in force",
                  new Dto.ReconcileTarget("task", rt.name()),
                  List.of(),
                  Instant.now()));
    } else {
      AskOrFallback.ask(
          getContext(),
          r,
          TaskReconciler.Reconcile::new,
          gatherTimeout,
          rt.replyTo(),
          stopped ->
              new Dto.ReconcileAccepted(
                  false,
                  stopped
                      ? "task " + rt.name() + " left the manifest while it was being reconciled"
                      : "task " + rt.name() + " did not answer in time",
                  new Dto.ReconcileTarget("task", rt.name()),
                  List.of(),
                  Instant.now()));
    }
    return this;
  }
}

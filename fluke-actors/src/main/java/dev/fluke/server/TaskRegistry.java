package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.manifest.TaskSpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 *
 * <p>Watches every reconciler: one that stops while its task is still in force (a bug in one of its
 * messages) is replaced by a fresh one and the agents get the new refs at once, so their runners
 * push their statuses to it again; the task's status is whole again once each agent pushed.
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

  /**
   * Manual reconcile (request {@code requestId}) of one task; replies not accepted when no such
   * task is in force.
   */
  public record ReconcileTask(
      String name, long requestId, boolean force, ActorRef<Dto.ReconcileAccepted> replyTo)
      implements Command {
    public ReconcileTask(String name, long requestId, ActorRef<Dto.ReconcileAccepted> replyTo) {
      this(name, requestId, false, replyTo);
    }
  }

  /**
   * Resume the halted rollout of task {@code name} ({@code who}: for the event); replies with the
   * rollout's status, or empty when there is no such task or it has no rollout.
   */
  public record ResumeRollout(
      String name, String who, ActorRef<Optional<Dto.RolloutStatus>> replyTo)
      implements Command, CborSerializable {}

  private record SnapshotArrived(DesiredState state) implements Command {}

  private record ReconcilerStopped(String task, ActorRef<TaskReconciler.Command> reconciler)
      implements Command {}

  private final ServerSettings settings;
  private final Duration gatherTimeout;
  private final ActorRef<AgentRegistry.Command> agents;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final dev.fluke.events.EventStore events;
  // Declaration order of the state in force.
  private Map<String, ActorRef<TaskReconciler.Command>> reconcilers = new LinkedHashMap<>();
  private DesiredState state;
  private long generation;
  private long queries;

  public static Behavior<Command> create(
      ServerSettings settings,
      ActorRef<GitWatcher.Command> git,
      ActorRef<AgentRegistry.Command> agents) {
    return create(settings, git, agents, null, null);
  }

  /** With the alerter and event store the tasks' rollouts announce a halt to (issue 10). */
  public static Behavior<Command> create(
      ServerSettings settings,
      ActorRef<GitWatcher.Command> git,
      ActorRef<AgentRegistry.Command> agents,
      ActorRef<DriftAlerter.Command> alerter,
      dev.fluke.events.EventStore events) {
    return Behaviors.setup(ctx -> new TaskRegistry(ctx, settings, git, agents, alerter, events));
  }

  private TaskRegistry(
      ActorContext<Command> context,
      ServerSettings settings,
      ActorRef<GitWatcher.Command> git,
      ActorRef<AgentRegistry.Command> agents,
      ActorRef<DriftAlerter.Command> alerter,
      dev.fluke.events.EventStore events) {
    super(context);
    this.settings = settings;
    this.alerter = alerter;
    this.events = events;
    this.gatherTimeout = settings.api().gatherTimeout();
    this.agents = agents;
    git.tell(
        new GitWatcher.Subscribe(context.messageAdapter(DesiredState.class, SnapshotArrived::new)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SnapshotArrived.class, this::onSnapshot)
        .onMessage(ReconcilerStopped.class, this::onReconcilerStopped)
        .onMessage(GetTasks.class, this::onGetTasks)
        .onMessage(GetDrift.class, this::onGetDrift)
        .onMessage(GetTask.class, this::onGetTask)
        .onMessage(ReconcileTask.class, this::onReconcileTask)
        .onMessage(ResumeRollout.class, this::onResumeRollout)
        .build();
  }

  private Behavior<Command> onSnapshot(SnapshotArrived s) {
    generation++;
    state = s.state();
    Map<String, ActorRef<TaskReconciler.Command>> next = new LinkedHashMap<>();
    for (TaskSpec task : s.state().tasks()) {
      ActorRef<TaskReconciler.Command> existing = reconcilers.remove(task.name());
      if (existing != null) {
        existing.tell(new TaskReconciler.UpdateSpec(task, s.state().commit()));
        next.put(task.name(), existing);
      } else {
        next.put(task.name(), spawn(task));
      }
    }
    for (ActorRef<TaskReconciler.Command> removed : reconcilers.values()) {
      getContext().unwatch(removed);
      getContext().stop(removed);
    }
    reconcilers = next;
    agents.tell(new AgentRegistry.DesiredStateChanged(s.state(), Map.copyOf(next), true));
    return this;
  }

  private ActorRef<TaskReconciler.Command> spawn(TaskSpec task) {
    // The generation keeps names unique while a removed task's reconciler may still be stopping.
    String actorName =
        "task-" + URLEncoder.encode(task.name(), StandardCharsets.UTF_8) + "-" + generation;
    ActorRef<TaskReconciler.Command> ref =
        getContext()
            .spawn(
                TaskReconciler.create(
                    task, settings, state == null ? null : state.commit(), alerter, events),
                actorName);
    getContext().watchWith(ref, new ReconcilerStopped(task.name(), ref));
    return ref;
  }

  private Behavior<Command> onReconcilerStopped(ReconcilerStopped stopped) {
    if (!stopped.reconciler().equals(reconcilers.get(stopped.task()))) {
      return this; // stopped on purpose: its task left the manifest
    }
    getContext()
        .getLog()
        .error(
            "The reconciler of task {} stopped unexpectedly; starting a new one", stopped.task());
    generation++;
    TaskSpec spec =
        state.tasks().stream()
            .filter(t -> t.name().equals(stopped.task()))
            .findFirst()
            .orElseThrow();
    Map<String, ActorRef<TaskReconciler.Command>> next = new LinkedHashMap<>(reconcilers);
    next.put(stopped.task(), spawn(spec));
    reconcilers = next;
    // Not a new commit: the runners only take the new refs and push their statuses again.
    agents.tell(new AgentRegistry.DesiredStateChanged(state, Map.copyOf(next), false));
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
                  Dto.ReconcileTarget.task(rt.name()),
                  List.of(),
                  settings.now(),
                  rt.requestId()));
    } else {
      AskOrFallback.ask(
          getContext(),
          r,
          replyTo -> new TaskReconciler.Reconcile(rt.requestId(), rt.force(), replyTo),
          gatherTimeout,
          rt.replyTo(),
          stopped ->
              new Dto.ReconcileAccepted(
                  false,
                  stopped
                      ? "task " + rt.name() + " left the manifest while it was being reconciled"
                      : "task " + rt.name() + " did not answer in time",
                  Dto.ReconcileTarget.task(rt.name()),
                  List.of(),
                  settings.now(),
                  rt.requestId()));
    }
    return this;
  }

  private Behavior<Command> onResumeRollout(ResumeRollout r) {
    ActorRef<TaskReconciler.Command> ref = reconcilers.get(r.name());
    if (ref == null) {
      r.replyTo().tell(Optional.empty());
    } else {
      AskOrFallback.ask(
          getContext(),
          ref,
          replyTo -> new TaskReconciler.ResumeRollout(r.who(), replyTo),
          gatherTimeout,
          r.replyTo(),
          stopped -> Optional.empty());
    }
    return this;
  }
}

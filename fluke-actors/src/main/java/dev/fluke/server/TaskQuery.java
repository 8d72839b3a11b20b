package dev.fluke.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A short-lived scatter-gather for one fleet-wide task question (tutorial {@code
 * DeviceGroupQuery}): asks every {@link TaskReconciler} of the state in force for its {@link
 * TaskReconciler.Report}, waits for all of them or one timeout, replies once (in declaration order,
 * leaving out reconcilers that did not answer in time) and stops. A reconciler that stops before
 * answering (its task left the manifest) is watched and counted as answered-without-a-report, so
 * the question does not wait for the timeout.
 */
public final class TaskQuery extends AbstractBehavior<TaskQuery.Command> {

  public sealed interface Command {}

  private record WrappedReport(TaskReconciler.Report report) implements Command {}

  private record Gone(String task) implements Command {}

  private enum Timeout implements Command {
    INSTANCE
  }

  private final List<String> order;
  private final Map<String, TaskReconciler.Report> reports = new HashMap<>();
  private final Set<String> waiting;
  private final Runnable reply;

  /**
   * @param targets task name → reconciler, in declaration order
   * @param result turns the gathered reports into the reply
   */
  public static <R> Behavior<Command> create(
      Map<String, ActorRef<TaskReconciler.Command>> targets,
      Duration timeout,
      ActorRef<R> replyTo,
      Function<List<TaskReconciler.Report>, R> result) {
    if (targets.isEmpty()) {
      return Behaviors.setup(
          ctx -> {
            replyTo.tell(result.apply(List.of()));
            return Behaviors.stopped();
          });
    }
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new TaskQuery(ctx, timers, targets, timeout, replyTo, result)));
  }

  private <R> TaskQuery(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Map<String, ActorRef<TaskReconciler.Command>> targets,
      Duration timeout,
      ActorRef<R> replyTo,
      Function<List<TaskReconciler.Report>, R> result) {
    super(context);
    this.order = new ArrayList<>(targets.keySet());
    this.waiting = new HashSet<>(order);
    this.reply = () -> replyTo.tell(result.apply(inOrder()));
    timers.startSingleTimer(Timeout.INSTANCE, timeout);
    ActorRef<TaskReconciler.Report> adapter =
        context.messageAdapter(TaskReconciler.Report.class, WrappedReport::new);
    for (Map.Entry<String, ActorRef<TaskReconciler.Command>> target : targets.entrySet()) {
      context.watchWith(target.getValue(), new Gone(target.getKey()));
      target.getValue().tell(new TaskReconciler.GetReport(adapter));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WrappedReport.class, this::onReport)
        .onMessage(Gone.class, this::onGone)
        .onMessageEquals(Timeout.INSTANCE, this::onTimeout)
        .build();
  }

  private Behavior<Command> onReport(WrappedReport w) {
    reports.put(w.report().task(), w.report());
    waiting.remove(w.report().task());
    return waiting.isEmpty() ? finish() : this;
  }

  private Behavior<Command> onGone(Gone g) {
    waiting.remove(g.task());
    return waiting.isEmpty() ? finish() : this;
  }

  private Behavior<Command> onTimeout() {
    getContext()
        .getLog()
        .warn(
            "{} of {} tasks did not answer in time; replying with the others",
            waiting.size(),
            order.size());
    return finish();
  }

  private Behavior<Command> finish() {
    reply.run();
    return Behaviors.stopped();
  }

  private List<TaskReconciler.Report> inOrder() {
    List<TaskReconciler.Report> out = new ArrayList<>();
    for (String name : order) {
      TaskReconciler.Report r = reports.get(name);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }
}

package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import dev.fluke.protocol.ServerMessage;
import dev.fluke.protocol.ServerMessage.ApplyRequest;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs the agent's work one request at a time, in arrival order (SPEC §4: never two applies at once
 * on one agent). Executors block, so each request runs as a {@link TaskRunner} call on {@code
 * fluke.blocking-dispatcher} and its answer comes back with {@code pipeToSelf}; this actor never
 * blocks and always answers {@link Command}s at once, which is what lets a Cancel reach running
 * work.
 *
 * <p>Every request that starts is answered with one {@link Report.Answer}, also when cancelled (the
 * interrupted step is an ERROR, later ones SKIPPED). Requests dropped from the queue (cancelled, or
 * their connection lost) are not answered.
 */
final class Worker extends AbstractBehavior<Worker.Command> {

  sealed interface Command {}

  /** Run a CheckRequest or ApplyRequest that arrived on connection {@code connId}. */
  record Enqueue(long connId, ServerMessage request) implements Command {}

  /**
   * Drop queued work of the cycle and stop its running work, as far as it came on connection {@code
   * connId} (cycle ids restart with the server, so an older connection's cycle 5 is another cycle).
   */
  record CancelCycle(long connId, long cycleId) implements Command {}

  /**
   * The connection is gone: its queued work is dropped and a running check is stopped (the server
   * re-checks on reconnect); a running apply goes on and its result is reported late.
   */
  record ConnectionLost(long connId) implements Command {}

  private record Finished(Job job, OutputLines output, AgentMessage answer, Throwable failure)
      implements Command {}

  /** What the worker tells {@link ServerLink}. */
  sealed interface Report {
    /**
     * The one answer (CheckReport or ApplyResult with late = false) to a request of {@code connId}.
     */
    record Answer(long connId, AgentMessage answer, OutputLines output) implements Report {}

    /** Apply output is waiting in {@code output} (sent once per batch, not per line). */
    record OutputReady(long connId, long cycleId, String task, OutputLines output)
        implements Report {}
  }

  private record Job(long connId, ServerMessage request) {
    long cycleId() {
      return request instanceof CheckRequest c ? c.cycleId() : ((ApplyRequest) request).cycleId();
    }
  }

  private record Running(Job job, AtomicBoolean cancelled) {}

  static Behavior<Command> create(
      AgentSettings settings, TaskRunner runner, ActorRef<Report> reportTo) {
    return Behaviors.setup(ctx -> new Worker(ctx, settings, runner, reportTo));
  }

  private final AgentSettings settings;
  private final TaskRunner runner;
  private final ActorRef<Report> reportTo;
  private final Executor blocking;
  private final ArrayDeque<Job> queue = new ArrayDeque<>();
  private Running running;

  private Worker(
      ActorContext<Command> ctx,
      AgentSettings settings,
      TaskRunner runner,
      ActorRef<Report> reportTo) {
    super(ctx);
    this.settings = settings;
    this.runner = runner;
    this.reportTo = reportTo;
    this.blocking =
        ctx.getSystem()
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("fluke.blocking-dispatcher"));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Enqueue.class, this::onEnqueue)
        .onMessage(CancelCycle.class, this::onCancelCycle)
        .onMessage(ConnectionLost.class, this::onConnectionLost)
        .onMessage(Finished.class, this::onFinished)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onEnqueue(Enqueue e) {
    Job job = new Job(e.connId(), e.request());
    if (queue.size() >= settings.maxQueuedRequests()) {
      getContext()
          .getLog()
          .warn(
              "{} requests are already waiting; answering cycle {} with errors",
              queue.size(),
              job.cycleId());
      reportTo.tell(
          new Report.Answer(
              job.connId(),
              failureAnswer(
                  job, "the agent's queue is full (" + queue.size() + " requests waiting)"),
              null));
      return this;
    }
    queue.add(job);
    startNextIfIdle();
    return this;
  }

  private Behavior<Command> onCancelCycle(CancelCycle c) {
    int before = queue.size();
    queue.removeIf(j -> j.connId() == c.connId() && j.cycleId() == c.cycleId());
    if (running != null
        && running.job().connId() == c.connId()
        && running.job().cycleId() == c.cycleId()) {
      running.cancelled().set(true);
    }
    getContext()
        .getLog()
        .info(
            "Cycle {} cancelled by the server ({} queued request(s) dropped{})",
            c.cycleId(),
            before - queue.size(),
            running != null && running.cancelled().get() ? ", running work stopped" : "");
    return this;
  }

  private Behavior<Command> onConnectionLost(ConnectionLost l) {
    queue.removeIf(j -> j.connId() == l.connId());
    if (running != null && running.job().connId() == l.connId()) {
      if (running.job().request() instanceof CheckRequest) {
        running.cancelled().set(true);
      } else {
        getContext()
            .getLog()
            .info(
                "The connection was lost during an apply; finishing it and reporting the result later");
      }
    }
    return this;
  }

  private Behavior<Command> onFinished(Finished f) {
    running = null;
    AgentMessage answer = f.answer();
    if (f.failure() != null) {
      getContext()
          .getLog()
          .error("Running cycle {} failed unexpectedly", f.job().cycleId(), f.failure());
      answer = failureAnswer(f.job(), "the agent failed to run this request: " + f.failure());
    }
    reportTo.tell(new Report.Answer(f.job().connId(), answer, f.output()));
    startNextIfIdle();
    return this;
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    // The agent is stopping: kill what runs (the executors poll this flag and kill the process
    // tree).
    if (running != null) {
      running.cancelled().set(true);
    }
    return this;
  }

  private void startNextIfIdle() {
    if (running != null || queue.isEmpty()) {
      return;
    }
    Job job = queue.poll();
    AtomicBoolean cancelled = new AtomicBoolean();
    CompletableFuture<AgentMessage> work;
    OutputLines output = null;
    if (job.request() instanceof CheckRequest c) {
      work =
          CompletableFuture.supplyAsync(
              () -> runner.check(c.cycleId(), c.tasks(), cancelled::get), blocking);
    } else {
      ApplyRequest a = (ApplyRequest) job.request();
      OutputLines lines =
          new OutputLines(settings.outputBufferLines(), settings.maxOutputLineLength());
      output = lines;
      Report.OutputReady ready =
          new Report.OutputReady(job.connId(), a.cycleId(), a.task().name(), lines);
      TaskRunner.OutputSink sink =
          (executor, line) -> {
            if (lines.offer(executor, line)) {
              reportTo.tell(ready);
            }
          };
      work =
          CompletableFuture.supplyAsync(
              () ->
                  new ApplyResult(a.cycleId(), runner.apply(a.task(), cancelled::get, sink), false),
              blocking);
    }
    running = new Running(job, cancelled);
    OutputLines finishedOutput = output;
    getContext()
        .pipeToSelf(work, (answer, failure) -> new Finished(job, finishedOutput, answer, failure));
  }

  private static AgentMessage failureAnswer(Job job, String message) {
    if (job.request() instanceof CheckRequest c) {
      return new CheckReport(c.cycleId(), TaskRunner.errorOutcomes(c.tasks(), message));
    }
    ApplyRequest a = (ApplyRequest) job.request();
    List<TaskOutcome> outcome = TaskRunner.errorOutcomes(List.of(a.task()), message);
    return new ApplyResult(a.cycleId(), outcome.get(0), false);
  }
}

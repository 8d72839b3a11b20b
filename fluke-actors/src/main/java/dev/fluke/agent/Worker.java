package dev.fluke.agent;

import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.PostStop;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.ServerMessage;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs the agent's requests one at a time, in arrival order (SPEC §4: never two applies at once on
 * one host). Executors block, so each request runs as a {@link TaskRunner} call in the {@link
 * WorkLane} on the agent's blocking threads; this actor never blocks and answers its commands at
 * once, which is what lets a Cancel reach running work.
 *
 * <p>A running request answers for itself, from its own thread, when it ends: its check report or
 * its apply result (first kept in the {@link AgentJournal}) to {@link ResultDelivery}, which sends
 * answers in the order they come; apply output to {@link ServerLink} as it comes. So its answer is
 * not lost if this actor fails meanwhile; its parent ({@link Agent}) then replaces it, and the lane
 * keeps the new worker's first request waiting until the old one has ended. Requests still queued
 * when this actor stops are answered with errors as it stops. Requests dropped from the queue
 * (cancelled, their connection lost, the agent stopping) are not answered.
 *
 * <p>Its state is one immutable {@link State}, replaced per message.
 */
final class Worker {
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

  /**
   * The agent is stopping: queued requests are dropped and no new ones are taken; the running one
   * goes on (the agent cancels it through the {@link WorkLane} when its grace runs out). Replies
   * {@link Drained} once nothing runs.
   */
  record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** The reply to {@link Drain}: nothing runs any more. */
  enum Drained {
    INSTANCE
  }

  private record Finished(Job job, Throwable failure) implements Command {}

  /** Where the worker's answers go. */
  record Outputs(ActorRef<ServerLink.Command> link, ActorRef<ResultDelivery.Command> results) {}

  /**
   * @param running the request that runs, or null
   * @param drainedTo who waits for nothing to run, or null
   * @param draining no new requests are taken
   */
  private record State(
      List<Job> queue, Job running, ActorRef<Drained> drainedTo, boolean draining) {
    State {
      queue = List.copyOf(queue);
    }

    static final State IDLE = new State(List.of(), null, null, false);

    State withQueue(List<Job> q) {
      return new State(q, running, drainedTo, draining);
    }
  }

  static Behavior<Command> create(
      AgentSettings settings,
      TaskRunner runner,
      AgentJournal journal,
      WorkLane lane,
      Clock clock,
      Outputs outputs) {
    Job.Means means = new Job.Means(settings, runner, journal, clock, outputs);
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(Worker.class);
          return new Worker(ctx, means, lane).working(State.IDLE);
        });
  }

  private final ActorContext<Command> ctx;
  private final Job.Means means;
  private final WorkLane lane;
  private final Executor blocking;

  private Worker(ActorContext<Command> ctx, Job.Means means, WorkLane lane) {
    this.ctx = ctx;
    this.means = means;
    this.lane = lane;
    this.blocking = ctx.getSystem().blocking();
  }

  private Behavior<Command> working(State s) {
    return Behaviors.receive(Command.class)
        .onMessage(Enqueue.class, e -> onEnqueue(s, e))
        .onMessage(CancelCycle.class, c -> onCancelCycle(s, c))
        .onMessage(ConnectionLost.class, l -> onConnectionLost(s, l))
        .onMessage(Drain.class, d -> onDrain(s, d))
        .onMessage(Finished.class, f -> onFinished(s, f))
        .onSignal(PostStop.class, signal -> onPostStop(s))
        .build();
  }

  private Behavior<Command> onEnqueue(State s, Enqueue e) {
    Job job = new Job(e.connId(), e.request(), new Cancellation());
    if (s.draining()) {
      ctx.getLog()
          .info(
              "Not running {} of cycle {}: the agent is stopping",
              e.request().getClass().getSimpleName(),
              job.cycleId());
      return Behaviors.same();
    }
    if (s.queue().size() >= means.settings().maxQueuedRequests()) {
      ctx.getLog()
          .warn(
              "{} requests are already waiting; answering cycle {} with errors",
              s.queue().size(),
              job.cycleId());
      answerWithError(job, "the agent's queue is full (" + s.queue().size() + " requests waiting)");
      return Behaviors.same();
    }
    List<Job> queue = new ArrayList<>(s.queue());
    queue.add(job);
    return working(startNext(s.withQueue(queue)));
  }

  private Behavior<Command> onCancelCycle(State s, CancelCycle c) {
    List<Job> kept = s.queue().stream().filter(j -> !j.of(c.connId(), c.cycleId())).toList();
    boolean stopsRunning = s.running() != null && s.running().of(c.connId(), c.cycleId());
    if (stopsRunning) {
      s.running().cancellation().cancel(null);
    }
    ctx.getLog()
        .info(
            "Cycle {} cancelled by the server ({} queued request(s) dropped{})",
            c.cycleId(),
            s.queue().size() - kept.size(),
            stopsRunning ? ", running work stopped" : "");
    return working(s.withQueue(kept));
  }

  private Behavior<Command> onConnectionLost(State s, ConnectionLost l) {
    List<Job> kept = s.queue().stream().filter(j -> j.connId() != l.connId()).toList();
    Job running = s.running();
    if (running != null && running.connId() == l.connId()) {
      if (running.request() instanceof CheckRequest) {
        running.cancellation().cancel(null);
      } else {
        ctx.getLog()
            .info(
                "The connection was lost during an apply; finishing it and reporting the result later");
      }
    }
    return working(s.withQueue(kept));
  }

  private Behavior<Command> onDrain(State s, Drain d) {
    ctx.getLog()
        .info(
            "Stopping: taking no new work{}{}",
            s.queue().isEmpty() ? "" : ", " + s.queue().size() + " queued request(s) dropped",
            s.running() == null ? "" : "; a request still runs");
    if (s.running() == null) {
      d.replyTo().tell(Drained.INSTANCE);
    }
    return working(new State(List.of(), s.running(), d.replyTo(), true));
  }

  private Behavior<Command> onFinished(State s, Finished f) {
    if (f.failure() != null) {
      // The work answers for itself and never throws; this is the lane refusing to run it.
      ctx.getLog().error("Could not run cycle {}", f.job().cycleId(), f.failure());
    }
    State idle = new State(s.queue(), null, s.drainedTo(), s.draining());
    if (s.draining() && s.drainedTo() != null) {
      s.drainedTo().tell(Drained.INSTANCE);
    }
    return working(startNext(idle));
  }

  private Behavior<Command> onPostStop(State s) {
    // Stopped by a failure or with the agent: what waits in the queue will never run. The running
    // request (if any) goes on in the lane and answers for itself.
    for (Job job : s.queue()) {
      answerWithError(job, "the agent's worker stopped before running this request");
    }
    return Behaviors.same();
  }

  private State startNext(State s) {
    if (s.running() != null || s.queue().isEmpty()) {
      return s;
    }
    Job job = s.queue().get(0);
    ctx.pipeToSelf(
        lane.submit(job.cancellation(), () -> job.run(means), blocking),
        (ok, failure) -> new Finished(job, failure));
    return new State(s.queue().subList(1, s.queue().size()), job, s.drainedTo(), s.draining());
  }

  private void answerWithError(Job job, String message) {
    AgentMessage answer = job.failureAnswer(message);
    if (answer instanceof ApplyResult r) {
      // Kept and delivered like any other result (the journal writes a file: not on this thread).
      try {
        CompletableFuture.supplyAsync(() -> means.journal().keep(r), blocking)
            .thenAccept(
                kept ->
                    means
                        .outputs()
                        .results()
                        .tell(new ResultDelivery.Finished(job.connId(), kept, null)));
      } catch (RejectedExecutionException shuttingDown) {
        ctx.getLog().info("Not answering cycle {}: the agent is shutting down", job.cycleId());
      }
    } else {
      means
          .outputs()
          .results()
          .tell(new ResultDelivery.CheckDone(job.connId(), (CheckReport) answer));
    }
  }
}

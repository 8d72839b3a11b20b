package dev.fluke.agent;

import dev.fluke.agent.AgentJournal.RunningApply;
import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.TimerScheduler;
import dev.fluke.exec.ProcessTree;
import dev.fluke.hcl.Durations;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Deals with the apply that a previous agent process left running (SPEC §4: never two applies at
 * once on one host, even across a crash and restart), before the agent connects and takes work. The
 * journal names the apply and the process it ran (pid and start time, so that a reused pid is never
 * mistaken for it):
 *
 * <ul>
 *   <li>the process has ended: nothing runs any more;
 *   <li>it still runs: it is given up to {@code stop_grace} to finish, as a stopping agent gives
 *       its own apply; past that its process tree is killed: the process, its descendants, its
 *       process group and whatever still carries its run's {@code FLUKE_RUN_ID} ({@link
 *       ProcessTree#of}).
 * </ul>
 *
 * Either way the apply's result ({@link InterruptedApply}: the blocks it finished, the step it was
 * in as an ERROR saying what became of it) is kept in the journal, and {@link ResultDelivery}
 * reports it late once the agent is registered. Replies {@link Recovered} to its parent and stops.
 */
final class OrphanRecovery {

  sealed interface Command {}

  private record Inspected(Optional<ProcessHandle> process, Throwable failure) implements Command {}

  private record Exited(Object ignored, Throwable failure) implements Command {}

  private enum GraceOver implements Command {
    INSTANCE
  }

  private record Killed(Integer signalled, Throwable failure) implements Command {}

  private record Recorded(Throwable failure) implements Command {}

  /** The reply: nothing of the previous agent process runs any more. */
  enum Recovered {
    INSTANCE
  }

  private static final String GRACE_TIMER = "grace";

  static Behavior<Command> create(
      AgentJournal journal, AgentSettings settings, ActorRef<Recovered> replyTo) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(OrphanRecovery.class);
          return Behaviors.withTimers(
              timers -> new OrphanRecovery(ctx, timers, journal, settings, replyTo).start());
        });
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final AgentJournal journal;
  private final AgentSettings settings;
  private final ActorRef<Recovered> replyTo;
  private final Executor blocking;

  private OrphanRecovery(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      AgentJournal journal,
      AgentSettings settings,
      ActorRef<Recovered> replyTo) {
    this.ctx = ctx;
    this.timers = timers;
    this.journal = journal;
    this.settings = settings;
    this.replyTo = replyTo;
    this.blocking = ctx.getSystem().blocking();
  }

  private Behavior<Command> start() {
    RunningApply apply = journal.state().running();
    if (apply == null) {
      replyTo.tell(Recovered.INSTANCE);
      return Behaviors.stopped();
    }
    if (apply.process() == null) {
      ctx.getLog()
          .warn(
              "The previous agent process left the apply of task '{}' (cycle {}) unfinished, with no"
                  + " command running",
              apply.task(),
              apply.cycleId());
      return record(apply, "it had not started a command yet; nothing of it runs any more");
    }
    ProcessTree.Identity process = apply.process().process();
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(() -> ProcessTree.find(process), blocking), Inspected::new);
    return inspecting(apply);
  }

  /** Is the apply's process still running? */
  private Behavior<Command> inspecting(RunningApply apply) {
    return Behaviors.receive(Command.class)
        .onMessage(Inspected.class, i -> onInspected(apply, i))
        .build();
  }

  private Behavior<Command> onInspected(RunningApply apply, Inspected i) {
    long pid = apply.process().process().pid();
    if (i.failure() != null || i.process().isEmpty()) {
      ctx.getLog()
          .warn(
              "The previous agent process left the apply of task '{}' (cycle {}) unfinished; its"
                  + " command (pid {}) has ended",
              apply.task(),
              apply.cycleId(),
              pid);
      return record(apply, "its command (pid " + pid + ") had already ended");
    }
    Duration grace = settings.stopGrace();
    ctx.getLog()
        .warn(
            "The previous agent process left the apply of task '{}' (cycle {}) running (pid {},"
                + " process group {}): waiting up to {} (stop_grace) for it to end before killing its"
                + " process tree; no new work starts before",
            apply.task(),
            apply.cycleId(),
            pid,
            pid,
            Durations.format(grace));
    ctx.pipeToSelf(i.process().get().onExit(), Exited::new);
    timers.startSingleTimer(GRACE_TIMER, GraceOver.INSTANCE, grace);
    return waiting(apply, i.process().get());
  }

  /** The apply's process runs: it may finish within the grace. */
  private Behavior<Command> waiting(RunningApply apply, ProcessHandle process) {
    return Behaviors.receive(Command.class)
        .onMessage(Exited.class, e -> onExited(apply))
        .onMessage(GraceOver.class, g -> onGraceOver(apply, process))
        .build();
  }

  private Behavior<Command> onExited(RunningApply apply) {
    timers.cancel(GRACE_TIMER);
    long pid = apply.process().process().pid();
    ctx.getLog().info("The previous agent process's command (pid {}) has ended", pid);
    return record(
        apply,
        "its command (pid "
            + pid
            + ") ended while the restarted agent waited for it (its exit status is unknown)");
  }

  private Behavior<Command> onGraceOver(RunningApply apply, ProcessHandle process) {
    ctx.getLog()
        .warn(
            "The previous agent process's command (pid {}) still runs after {}: killing its process"
                + " tree",
            process.pid(),
            Durations.format(settings.stopGrace()));
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> ProcessTree.of(process).kill(settings.killGrace()), blocking),
        Killed::new);
    return Behaviors.receive(Command.class)
        .onMessage(Killed.class, k -> onKilled(apply, k))
        .onMessage(Exited.class, e -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onKilled(RunningApply apply, Killed k) {
    long pid = apply.process().process().pid();
    if (k.failure() != null) {
      ctx.getLog().error("Could not kill the process tree of pid {}", pid, k.failure());
    }
    return record(
        apply,
        "its command (pid "
            + pid
            + ") still ran after "
            + Durations.format(settings.stopGrace())
            + " (stop_grace) and its process tree was killed");
  }

  /** Keeps the interrupted apply's result in the journal (no longer running), then replies. */
  private Behavior<Command> record(RunningApply apply, String what) {
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> journal.finish(InterruptedApply.result(apply, what)), blocking),
        (ok, failure) -> new Recorded(failure));
    return Behaviors.receive(Command.class)
        .onMessage(Recorded.class, this::onRecorded)
        .onMessage(Exited.class, e -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onRecorded(Recorded r) {
    if (r.failure() != null) {
      ctx.getLog().error("Could not record the interrupted apply", r.failure());
    }
    replyTo.tell(Recovered.INSTANCE);
    return Behaviors.stopped();
  }
}

package dev.fluke.server;

import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The timers of one {@link CycleRunner}: the triggers that start a cycle ({@link CycleRunner.Tick}:
 * the interval from the agent's slot, this agent's rollout slot of a new commit, a retry with
 * backoff, the opening of a maintenance window) and the timeout of the request in flight ({@link
 * CycleRunner.CycleTimedOut}). Decides how they move; the runner decides what a trigger does in its
 * phase. Used on the runner's thread only.
 */
final class RunnerTimers {
  private final TimerScheduler<CycleRunner.Command> timers;
  private final ServerSettings.Reconcile reconcile;

  RunnerTimers(TimerScheduler<CycleRunner.Command> timers, ServerSettings.Reconcile reconcile) {
    this.timers = timers;
    this.reconcile = reconcile;
  }

  /** The interval: first at {@code agent}'s slot, so a fleet's cycles spread over it. */
  void startInterval(String agent) {
    timers.startTimerAtFixedRate(
        CycleRunner.Tick.INTERVAL,
        CycleRunner.Tick.INTERVAL,
        reconcile.slotOf(agent),
        reconcile.interval());
  }

  /**
   * A new commit reaches this agent, its cycle due in {@code delay}: true when that is now (a slot
   * still ahead is dropped); else the slot is (re)set, so a later commit before it moves it.
   */
  boolean commitIn(Duration delay) {
    if (delay.isZero() || delay.isNegative()) {
      timers.cancel(CycleRunner.Tick.COMMIT);
      return true;
    }
    timers.startSingleTimer(CycleRunner.Tick.COMMIT, CycleRunner.Tick.COMMIT, delay);
    return false;
  }

  /**
   * A cycle starts; a {@code full} one checks what is in force now, so a commit's rollout slot
   * ahead has nothing left to do.
   */
  void starting(boolean full) {
    if (full) {
      timers.cancel(CycleRunner.Tick.COMMIT);
    }
  }

  /** Cycle {@code cycleId} checks now, its report due within the check timeout. */
  void checking(long cycleId) {
    await(cycleId, reconcile.checkTimeout());
  }

  /** Cycle {@code cycleId} applies a task now, its result due within the apply timeout. */
  void applying(long cycleId) {
    await(cycleId, reconcile.applyTimeout());
  }

  private void await(long cycleId, Duration timeout) {
    timers.startSingleTimer(
        CycleRunner.CycleTimedOut.class, new CycleRunner.CycleTimedOut(cycleId), timeout);
  }

  /** A closed maintenance window held an apply back: a cycle runs when it {@code opens}. */
  void windowOpens(Instant now, Instant opens) {
    if (opens != null) {
      timers.startSingleTimer(
          CycleRunner.Tick.WINDOW, CycleRunner.Tick.WINDOW, Duration.between(now, opens));
    }
  }

  /**
   * A cycle ended (no more timeout): a failed one is retried after {@code retryIn} (null when it
   * did not fail); once no cycle has failed since the last full one, no retry is pending.
   */
  void ended(Duration retryIn, boolean noneFailed) {
    timers.cancel(CycleRunner.CycleTimedOut.class);
    if (retryIn != null) {
      timers.startSingleTimer(CycleRunner.Tick.RETRY, retryIn);
    } else if (noneFailed) {
      timers.cancel(CycleRunner.Tick.RETRY);
    }
  }
}

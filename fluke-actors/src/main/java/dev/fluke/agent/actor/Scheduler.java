package dev.fluke.agent.actor;

import java.time.Duration;

/**
 * Runs a task once after a delay: actors' timers, ask timeouts and restart backoffs. The task must
 * not block (it hands a message over). {@link Actors} gives a one-thread scheduler; tests give one
 * whose time they move.
 */
public interface Scheduler {
  Cancellable scheduleOnce(Duration delay, Runnable task);
}

package dev.fluke.agent.actor;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} whose time moves only when a test says so ({@link #timePasses}): timers,
 * backoffs and ask timeouts fire in order of their due time, each when time reaches it.
 */
public final class ManualTime implements Scheduler {

  private record Task(long due, long seq, Runnable run) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now;
  private long seq;

  @Override
  public synchronized Cancellable scheduleOnce(Duration delay, Runnable run) {
    Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, run);
    tasks.add(t);
    return () -> {
      synchronized (this) {
        tasks.remove(t);
      }
    };
  }

  /** Moves time by {@code amount}, running every task that falls due meanwhile, in order. */
  public void timePasses(Duration amount) {
    long target;
    synchronized (this) {
      target = now + amount.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due() > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = next.due();
      }
      next.run().run(); // outside the lock: it may schedule more
    }
  }
}

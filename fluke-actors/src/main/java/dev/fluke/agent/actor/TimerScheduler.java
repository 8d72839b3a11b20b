package dev.fluke.agent.actor;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * An actor's timers, by key. Starting a timer replaces the one of the same key; a cancelled or
 * replaced timer's message is never handled, even if it was already on its way. Timers end when the
 * actor stops or restarts. For use on the actor's own turn only.
 */
public final class TimerScheduler<T> {

  /** One timer; {@code generation} tells a current firing from one of a replaced timer. */
  private static final class Timer {
    final long generation;
    final Object message;
    final Duration repeatEvery; // null: once
    volatile boolean cancelled;
    volatile Cancellable task;

    Timer(long generation, Object message, Duration repeatEvery) {
      this.generation = generation;
      this.message = message;
      this.repeatEvery = repeatEvery;
    }

    void cancel() {
      cancelled = true;
      Cancellable t = task;
      if (t != null) {
        t.cancel();
      }
    }
  }

  /** A timer fired: handled on the actor's turn by {@link #fired}. */
  record Fired(Object key, long generation) {}

  private final Cell<T> cell;
  private final Map<Object, Timer> timers = new HashMap<>();
  private long generations;

  TimerScheduler(Cell<T> cell) {
    this.cell = cell;
  }

  public void startSingleTimer(Object key, T message, Duration delay) {
    start(key, message, delay, null);
  }

  /** Fires every {@code delay}, the first time {@code delay} from now. */
  public void startTimerWithFixedDelay(Object key, T message, Duration delay) {
    start(key, message, delay, delay);
  }

  public boolean isTimerActive(Object key) {
    return timers.containsKey(key);
  }

  public void cancel(Object key) {
    Timer t = timers.remove(key);
    if (t != null) {
      t.cancel();
    }
  }

  public void cancelAll() {
    timers.values().forEach(Timer::cancel);
    timers.clear();
  }

  private void start(Object key, Object message, Duration delay, Duration repeatEvery) {
    cancel(key);
    Timer timer = new Timer(++generations, message, repeatEvery);
    timers.put(key, timer);
    schedule(key, timer, delay);
  }

  private void schedule(Object key, Timer timer, Duration delay) {
    Fired fired = new Fired(key, timer.generation);
    timer.task =
        cell.system()
            .scheduler()
            .scheduleOnce(
                delay,
                () -> {
                  if (!timer.cancelled) {
                    cell.enqueue(fired);
                    if (timer.repeatEvery != null) {
                      schedule(key, timer, timer.repeatEvery);
                    }
                  }
                });
    if (timer.cancelled) { // cancelled while being scheduled (by a repeat racing cancel)
      timer.task.cancel();
    }
  }

  /** The message of a firing that is still current, or null; a single timer is then done. */
  Object fired(Fired f) {
    Timer t = timers.get(f.key());
    if (t == null || t.generation != f.generation()) {
      return null;
    }
    if (t.repeatEvery == null) {
      timers.remove(f.key());
    }
    return t.message;
  }
}

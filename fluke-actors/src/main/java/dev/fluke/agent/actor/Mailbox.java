package dev.fluke.agent.actor;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One actor's queue, handed to its handler one message at a time by one pool thread at a time: a
 * turn is scheduled only when none is (the flag's compare-and-set), so turns never overlap, and
 * each sees the writes of the one before (the flag's reset and the next turn's set order them).
 * Anyone may add, from any thread; once closed, what is added or still queued is dropped.
 */
final class Mailbox implements Runnable {
  /** Messages handled per turn before the thread is given to other actors. */
  private static final int THROUGHPUT = 16;

  private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Executor executor;
  private final Consumer<Object> handler;
  private volatile boolean closed;

  Mailbox(Executor executor, Consumer<Object> handler) {
    this.executor = executor;
    this.handler = handler;
  }

  void add(Object message) {
    if (closed) {
      return; // a dead letter
    }
    queue.add(message);
    if (scheduled.compareAndSet(false, true)) {
      dispatch();
    }
  }

  /** No message is handled any more (called by the handler, on its turn). */
  void close() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  private void dispatch() {
    try {
      executor.execute(this);
    } catch (RejectedExecutionException shutDown) {
      scheduled.set(false);
    }
  }

  @Override
  public void run() {
    try {
      for (int i = 0; i < THROUGHPUT && !closed; i++) {
        Object m = queue.poll();
        if (m == null) {
          break;
        }
        handler.accept(m);
      }
    } finally {
      if (closed) {
        queue.clear();
      }
      scheduled.set(false);
      // Added after the last poll and before the reset: nobody else scheduled it.
      if (!closed && !queue.isEmpty() && scheduled.compareAndSet(false, true)) {
        dispatch();
      }
    }
  }
}

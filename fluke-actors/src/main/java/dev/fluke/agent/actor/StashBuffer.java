package dev.fluke.agent.actor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages an actor keeps to handle later, in a later phase ({@link Behaviors#withStash}). For use
 * on the actor's own turn only.
 */
public final class StashBuffer<T> {
  private final Cell<T> cell;
  private final int capacity;
  private final ArrayDeque<T> messages = new ArrayDeque<>();

  StashBuffer(Cell<T> cell, int capacity) {
    this.cell = cell;
    this.capacity = capacity;
  }

  /**
   * @throws IllegalStateException when full (check {@link #isFull} first)
   */
  public void stash(T message) {
    if (isFull()) {
      throw new IllegalStateException("the stash holds " + capacity + " messages already");
    }
    messages.add(message);
  }

  public boolean isFull() {
    return messages.size() >= capacity;
  }

  public boolean isEmpty() {
    return messages.isEmpty();
  }

  public int size() {
    return messages.size();
  }

  public void clear() {
    messages.clear();
  }

  /**
   * Makes {@code behavior} the actor's, and hands it the kept messages, oldest first, before any
   * other. Return what it returns from the handler that calls it.
   */
  public Behavior<T> unstashAll(Behavior<T> behavior) {
    List<T> kept = new ArrayList<>(messages);
    messages.clear();
    cell.become(behavior);
    for (T m : kept) {
      cell.handleNow(m);
    }
    return Behaviors.same();
  }
}

package dev.fluke.agent.actor;

/**
 * Where messages to one actor go: {@link #tell} enqueues and returns at once, from any thread.
 * Messages from one sender arrive in the order sent; a message to a stopped actor is dropped.
 */
@FunctionalInterface
public interface ActorRef<T> {
  void tell(T message);
}

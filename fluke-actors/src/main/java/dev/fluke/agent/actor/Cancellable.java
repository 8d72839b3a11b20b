package dev.fluke.agent.actor;

/** A scheduled task that may still be cancelled. */
@FunctionalInterface
public interface Cancellable {
  /** Cancels the task if it has not run yet; cancelling twice does nothing. */
  void cancel();
}

package dev.fluke.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Fleet answers that say which server nodes did not answer in time (cluster mode: each node answers
 * for the agents it holds). A single server's answers are always complete: {@link #of} wraps any
 * {@link FleetApi} that does not implement this interface.
 */
public interface PartialFleet {
  CompletionStage<Dto.Partial<List<Dto.TaskSummary>>> tasksFromEveryNode();

  CompletionStage<Dto.Partial<Optional<Dto.TaskDetail>>> taskFromEveryNode(String name);

  CompletionStage<Dto.Partial<List<Dto.DriftEntry>>> driftFromEveryNode();

  /** {@code api} itself when it can say so, else its answers as complete. */
  static PartialFleet of(FleetApi api) {
    if (api instanceof PartialFleet p) {
      return p;
    }
    return new PartialFleet() {
      @Override
      public CompletionStage<Dto.Partial<List<Dto.TaskSummary>>> tasksFromEveryNode() {
        return api.tasks().thenApply(Dto.Partial::complete);
      }

      @Override
      public CompletionStage<Dto.Partial<Optional<Dto.TaskDetail>>> taskFromEveryNode(String name) {
        return api.task(name).thenApply(Dto.Partial::complete);
      }

      @Override
      public CompletionStage<Dto.Partial<List<Dto.DriftEntry>>> driftFromEveryNode() {
        return api.drift().thenApply(Dto.Partial::complete);
      }
    };
  }
}

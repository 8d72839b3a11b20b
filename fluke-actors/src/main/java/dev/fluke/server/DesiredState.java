package dev.fluke.server;

import dev.fluke.manifest.TaskSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A desired-state snapshot published by {@link GitWatcher}: the tasks of one commit whose manifests
 * parsed without any error, in declaration order. Immutable, shared by every actor that holds it.
 */
public record DesiredState(String commit, List<TaskSpec> tasks, Instant loadedAt) {
  public DesiredState {
    tasks = List.copyOf(tasks);
  }

  public Optional<TaskSpec> task(String name) {
    return tasks.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}

package dev.fluke.manifest;

import java.util.List;

/**
 * The result of parsing every manifest file of a set: the tasks in declaration order (files in path
 * order), or every error found. A set with any error is rejected whole: {@link #ok()} is false and
 * callers must not use {@link #tasks()}.
 */
public record ManifestSet(List<TaskSpec> tasks, List<ManifestError> errors, List<String> files) {
  public ManifestSet {
    tasks = List.copyOf(tasks);
    errors = List.copyOf(errors);
    files = List.copyOf(files);
  }

  public boolean ok() {
    return errors.isEmpty();
  }
}

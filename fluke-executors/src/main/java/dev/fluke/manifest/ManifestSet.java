package dev.fluke.manifest;

import java.util.List;

/**
 * The result of parsing every manifest file of a set: the tasks in declaration order (files in path
 * order), or the errors found. A set with any error is rejected whole: {@link #ok()} is false and
 * callers must not use {@link #tasks()}.
 *
 * @param errors the errors reported, sorted; at most {@code Limits.maxErrors()} of them plus, when
 *     more were found, one last error saying how many more
 * @param totalErrors how many errors were found in all (at least {@code errors.size()} when the
 *     list is not cut)
 */
public record ManifestSet(
    List<TaskSpec> tasks, List<ManifestError> errors, List<String> files, int totalErrors) {
  public ManifestSet {
    tasks = List.copyOf(tasks);
    errors = List.copyOf(errors);
    files = List.copyOf(files);
    totalErrors = Math.max(totalErrors, errors.size());
  }

  /** A set whose errors are all listed. */
  public ManifestSet(List<TaskSpec> tasks, List<ManifestError> errors, List<String> files) {
    this(tasks, errors, files, errors.size());
  }

  public boolean ok() {
    return errors.isEmpty();
  }
}

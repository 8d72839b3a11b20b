package dev.fluke.hcl;

import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.SourcePos;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects every problem found while reading a set of HCL files. The lexer, parser, evaluator and
 * schema decoder all report here and carry on, so that one run reports all errors of a set, not
 * just the first.
 */
public final class Diagnostics {
  private final List<ManifestError> errors = new ArrayList<>();

  public void error(SourcePos pos, String message) {
    errors.add(new ManifestError(pos, message));
  }

  public boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** How many errors so far; comparing two counts tells whether a region of work added any. */
  public int count() {
    return errors.size();
  }

  /** The errors in the order they were found. */
  public List<ManifestError> errors() {
    return List.copyOf(errors);
  }

  /**
   * The errors ordered by file (in the given order; unknown files last, by name), then line and
   * column. Errors at the same place keep the order they were found in.
   */
  public List<ManifestError> sorted(List<String> fileOrder) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < fileOrder.size(); i++) {
      index.putIfAbsent(fileOrder.get(i), i);
    }
    Comparator<ManifestError> byFile =
        Comparator.comparing(e -> index.getOrDefault(e.pos().file(), Integer.MAX_VALUE));
    List<ManifestError> out = new ArrayList<>(errors);
    out.sort(
        byFile
            .thenComparing(e -> e.pos().file())
            .thenComparingInt(e -> e.pos().line())
            .thenComparingInt(e -> e.pos().column()));
    return List.copyOf(out);
  }
}

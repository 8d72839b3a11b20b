package dev.fluke.hcl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects every problem found while reading a set of HCL files. The lexer, parser, evaluator and
 * schema decoder all report here and carry on, so that one run reports all errors of a set, not
 * just the first.
 *
 * <p>Bounded: only the first {@link Limits#maxErrors()} errors are kept (the others are counted,
 * and {@link #sorted} ends with one error saying how many more there were), and a message longer
 * than {@link #MAX_MESSAGE} characters is cut, so that no input, however broken, makes the report
 * itself large (a file of 1 MB of {@code '}'} once gave half a million errors).
 */
public final class Diagnostics {
  /** Longest message kept; longer ones (quoting huge user text) are cut. */
  public static final int MAX_MESSAGE = 2_000;

  private final int maxErrors;
  private final List<Diagnostic> errors = new ArrayList<>();
  private int count;
  private SourcePos firstOmitted;

  /** With the default limit ({@link Limits#DEFAULT}). */
  public Diagnostics() {
    this(Limits.DEFAULT.maxErrors());
  }

  public Diagnostics(int maxErrors) {
    if (maxErrors < 1) {
      throw new IllegalArgumentException("maxErrors must be at least 1, got " + maxErrors);
    }
    this.maxErrors = maxErrors;
  }

  public void error(SourcePos pos, String message) {
    count++;
    if (errors.size() >= maxErrors) {
      if (firstOmitted == null) {
        firstOmitted = pos;
      }
      return;
    }
    if (message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE) + "… (message cut)";
    }
    errors.add(new Diagnostic(pos, message));
  }

  public boolean hasErrors() {
    return count > 0;
  }

  /**
   * How many errors were reported, kept or not; comparing two counts tells whether a region of work
   * added any.
   */
  public int count() {
    return count;
  }

  /** Was an error reported at exactly this position (kept or among the first ones)? */
  public boolean hasErrorAt(SourcePos pos) {
    for (Diagnostic d : errors) {
      if (d.pos().equals(pos)) {
        return true;
      }
    }
    return false;
  }

  /** The kept errors in the order they were found. */
  public List<Diagnostic> errors() {
    return List.copyOf(errors);
  }

  /**
   * The kept errors ordered by file (in the given order; unknown files last, by name), then line
   * and column; errors at the same place keep the order they were found in. When errors were left
   * out, one more error (at the first one left out) says how many.
   */
  public List<Diagnostic> sorted(List<String> fileOrder) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < fileOrder.size(); i++) {
      index.putIfAbsent(fileOrder.get(i), i);
    }
    Comparator<Diagnostic> byFile =
        Comparator.comparing(e -> index.getOrDefault(e.pos().file(), Integer.MAX_VALUE));
    List<Diagnostic> out = new ArrayList<>(errors);
    out.sort(
        byFile
            .thenComparing(e -> e.pos().file())
            .thenComparingInt(e -> e.pos().line())
            .thenComparingInt(e -> e.pos().column()));
    if (firstOmitted != null) {
      int more = count - errors.size();
      out.add(
          new Diagnostic(
              firstOmitted,
              String.format(
                  "too many errors: %,d more not shown (only the first %,d are reported;"
                      + " fix these and check again)",
                  more, errors.size())));
    }
    return List.copyOf(out);
  }
}

package dev.fluke.hcl;

/**
 * The bounds that keep reading a file cheap whatever it holds: without them a few bytes could
 * exhaust the stack (deep nesting), the heap ({@code format("%.999999999f", 1.5)}) or the CPU
 * (nested loops, a backtracking regular expression). Each limit, when reached, is an error at the
 * position where it was reached, never a crash. Documented in docs/manifest.md ("Limits").
 *
 * @param maxDepth nesting levels of blocks, of expressions (brackets, calls, parentheses, unary
 *     operators, conditionals, for expressions, splats, interpolations and template directives), of
 *     values (a list in a list …) and of local values that refer to each other while being
 *     evaluated
 * @param maxValueSize the size of one value: a string's length in characters; for a list or map,
 *     its elements and entries at every level of nesting plus the lengths of the strings in it
 * @param maxErrors errors kept per run; the rest are counted and summarised in one more error
 * @param maxSteps evaluation work per run (one step per expression evaluated, loop iteration, and
 *     element or character a function or operator goes through)
 * @param maxFormatWidth the largest width or precision in a {@code format} verb
 * @param maxFileBytes the largest manifest file
 * @param maxSetBytes the largest manifest set (all files together)
 */
public record Limits(
    int maxDepth,
    int maxValueSize,
    int maxErrors,
    long maxSteps,
    int maxFormatWidth,
    long maxFileBytes,
    long maxSetBytes) {
  public static final Limits DEFAULT =
      new Limits(100, 1 << 20, 100, 10_000_000L, 1_000, 8L << 20, 32L << 20);

  public Limits {
    if (maxDepth < 2
        || maxValueSize < 1
        || maxErrors < 1
        || maxSteps < 1
        || maxFormatWidth < 1
        || maxFileBytes < 1
        || maxSetBytes < 1) {
      throw new IllegalArgumentException("every limit must be positive (depth at least 2)");
    }
  }
}

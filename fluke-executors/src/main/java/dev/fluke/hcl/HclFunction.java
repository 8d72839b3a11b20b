package dev.fluke.hcl;

import java.util.List;
import java.util.Map;

/**
 * A function callable from HCL expressions, e.g. {@code upper(local.name)}. Arity is checked by the
 * registry ({@link HclFunctions}) before the call; argument types are checked by the function
 * through {@link Args}, whose accessors throw a {@link Failure} naming the argument.
 */
@FunctionalInterface
public interface HclFunction {
  Object call(Args args) throws Failure;

  /**
   * A function's complaint; reported at the argument's position (or the call's when {@code
   * argument} < 0).
   */
  final class Failure extends Exception {
    private final int argument;
    private final boolean reported;

    public Failure(int argument, String message) {
      this(argument, message, false);
    }

    private Failure(int argument, String message, boolean reported) {
      super(message, null, false, false);
      this.argument = argument;
      this.reported = reported;
    }

    /** A failure whose error is already reported (the evaluation budget ran out). */
    static Failure alreadyReported() {
      return new Failure(-1, "already reported", true);
    }

    public int argument() {
      return argument;
    }

    public boolean reported() {
      return reported;
    }
  }

  /** How a function's work is counted against the evaluation budget ({@link Limits#maxSteps}). */
  interface Budget {
    /** Counts {@code work} steps; false (reported once) when the budget is exhausted. */
    boolean charge(long work);
  }

  /** The evaluated arguments of one call, with typed accessors that convert as HCL does. */
  final class Args {
    private final String function;
    private final List<Object> values;
    private final List<SourcePos> positions;
    private final Limits limits;
    private final Budget budget;

    Args(
        String function,
        List<Object> values,
        List<SourcePos> positions,
        Limits limits,
        Budget budget) {
      this.function = function;
      this.values = values;
      this.positions = positions;
      this.limits = limits;
      this.budget = budget;
    }

    /** The limits a function must keep to (e.g. the largest string it may produce). */
    public Limits limits() {
      return limits;
    }

    /**
     * Counts work a function does beyond one step per argument (e.g. characters a regular
     * expression looks at); throws once the evaluation budget is exhausted.
     */
    public void charge(long work) throws Failure {
      if (!budget.charge(work)) {
        throw Failure.alreadyReported();
      }
    }

    /**
     * Fails when a string or list of {@code size} characters or elements would be larger than a
     * value may be; call it before building it.
     */
    public void checkSize(long size, int argument) throws Failure {
      if (size > limits.maxValueSize()) {
        throw error(
            argument,
            String.format(
                "the result would be too large: %,d characters or elements; a value may hold at"
                    + " most %,d",
                size, limits.maxValueSize()));
      }
    }

    public String function() {
      return function;
    }

    public int size() {
      return values.size();
    }

    public List<Object> all() {
      return values;
    }

    SourcePos pos(int i) {
      return positions.get(i);
    }

    public Object value(int i) {
      return values.get(i);
    }

    public Failure error(int i, String message) {
      return new Failure(i, function + ": " + message);
    }

    private Failure wrongType(int i, String expected) {
      return error(
          i,
          "argument "
              + (i + 1)
              + " must be "
              + expected
              + ", got "
              + Values.typeName(values.get(i)));
    }

    /** A string; numbers and bools are converted, as HCL does for string parameters. */
    public String string(int i) throws Failure {
      String s = Values.primitiveToString(values.get(i));
      if (s == null) {
        throw wrongType(i, "a string");
      }
      return s;
    }

    public Object number(int i) throws Failure {
      Object v = values.get(i);
      if (!Values.isNumber(v)) {
        throw wrongType(i, "a number");
      }
      return v;
    }

    public long integer(int i) throws Failure {
      Object v = number(i);
      if (v instanceof Long l) {
        return l;
      }
      throw error(
          i, "argument " + (i + 1) + " must be a whole number, got " + Values.formatNumber(v));
    }

    public boolean bool(int i) throws Failure {
      if (values.get(i) instanceof Boolean b) {
        return b;
      }
      throw wrongType(i, "a bool");
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(int i) throws Failure {
      if (values.get(i) instanceof List<?> l) {
        return (List<Object>) l;
      }
      throw wrongType(i, "a list");
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> map(int i) throws Failure {
      if (values.get(i) instanceof Map<?, ?> m) {
        return (Map<String, Object>) m;
      }
      throw wrongType(i, "a map");
    }
  }
}

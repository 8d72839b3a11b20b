package dev.fluke.hcl;

import dev.fluke.manifest.SourcePos;
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

    public Failure(int argument, String message) {
      super(message, null, false, false);
      this.argument = argument;
    }

    public int argument() {
      return argument;
    }
  }

  /** The evaluated arguments of one call, with typed accessors that convert as HCL does. */
  final class Args {
    private final String function;
    private final List<Object> values;
    private final List<SourcePos> positions;

    Args(String function, List<Object> values, List<SourcePos> positions) {
      this.function = function;
      this.values = values;
      this.positions = positions;
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

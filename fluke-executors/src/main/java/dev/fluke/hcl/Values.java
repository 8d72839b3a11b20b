package dev.fluke.hcl;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The runtime values of HCL expressions, as plain Java: {@link String}, {@link Long} or {@link
 * Double}, {@link Boolean}, {@code null}, {@code List<Object>} and {@code Map<String,Object>}
 * (declaration order kept). {@link #INVALID} stands for the value of an expression whose error was
 * already reported; it propagates silently so that one mistake is reported once.
 */
public final class Values {
  private Values() {}

  /** The value of an expression that could not be evaluated (its error is already reported). */
  public static final Object INVALID =
      new Object() {
        @Override
        public String toString() {
          return "<invalid>";
        }
      };

  /** The HCL name of a value's type, for messages: string, number, bool, null, list, map. */
  public static String typeName(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Long || v instanceof Double) {
      return "number";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof List<?>) {
      return "list";
    }
    if (v instanceof Map<?, ?>) {
      return "map";
    }
    return v.getClass().getSimpleName();
  }

  public static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double;
  }

  /** A number without a needless fraction: 1.0 prints as 1, 1.5 as 1.5. */
  public static String formatNumber(Object n) {
    if (n instanceof Long l) {
      return Long.toString(l);
    }
    double d = (Double) n;
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.toString(d);
    }
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  /** A double that holds an integer becomes a Long, so that 10 / 2 is the number 5, not 5.0. */
  public static Object normalize(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.0e15) {
      return (long) d;
    }
    return d;
  }

  public static double toDouble(Object n) {
    return n instanceof Long l ? l.doubleValue() : (Double) n;
  }

  /** Equality as HCL sees it: numbers by value (1 == 1.0), collections deeply. */
  public static boolean equal(Object a, Object b) {
    if (isNumber(a) && isNumber(b)) {
      return toDouble(a) == toDouble(b);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if (la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!equal(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (!ma.keySet().equals(mb.keySet())) {
        return false;
      }
      for (Map.Entry<?, ?> e : ma.entrySet()) {
        if (!equal(e.getValue(), mb.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  /**
   * The string in Unicode normal form C, as HCL keeps every string ({@code "e\u0301"} is {@code
   * "é"}). Text below U+0300 (all of ASCII and Latin-1) is always normalised and returned as is.
   */
  public static String nfc(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x300) {
        return Normalizer.normalize(s, Normalizer.Form.NFC);
      }
    }
    return s;
  }

  /**
   * A key that is equal for values {@link #equal} holds equal (numbers by value, collections
   * deeply), for hashing: {@code distinct} of a long list stays linear.
   */
  public static Object hashKey(Object v) {
    if (isNumber(v)) {
      double d = toDouble(v);
      return d == 0 ? 0.0 : d;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(hashKey(x)));
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new HashMap<>();
      m.forEach((k, x) -> out.put(k, hashKey(x)));
      return out;
    }
    return v == null ? NULL_KEY : v;
  }

  private static final Object NULL_KEY = new Object();

  /**
   * A primitive as a string, the way interpolation and {@code tostring} write it; null for values
   * that have no string form (null, lists, maps).
   */
  public static String primitiveToString(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (isNumber(v)) {
      return formatNumber(v);
    }
    if (v instanceof Boolean b) {
      return b.toString();
    }
    return null;
  }
}

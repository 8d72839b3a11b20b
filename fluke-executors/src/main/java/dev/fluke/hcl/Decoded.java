package dev.fluke.hcl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A block body checked against a {@link dev.fluke.schema.Schema}: attribute values converted to
 * their schema types with defaults filled in, nested blocks decoded in turn, and where each came
 * from.
 *
 * <p>{@code values} holds, in schema order: attributes as plain values (String, Boolean,
 * Long/Double, {@code Map<String,String>}, {@code List<String>}; durations as their validated
 * string), a non-repeatable nested block as a {@code Decoded}, a repeatable one as a {@code
 * List<Decoded>}. Absent optional attributes without a default and absent optional blocks have no
 * entry.
 *
 * @param where how the block is named in messages, e.g. {@code shell "marker"}
 * @param positions where each valid attribute value / nested block was written (absent for
 *     defaults)
 * @param written every attribute and block name written in the body, including rejected ones
 * @param pos the block's own position
 */
public record Decoded(
    String where,
    List<String> labels,
    Map<String, Object> values,
    Map<String, SourcePos> positions,
    Set<String> written,
    SourcePos pos) {
  public Decoded {
    labels = List.copyOf(labels);
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    positions = Collections.unmodifiableMap(new LinkedHashMap<>(positions));
    written = Set.copyOf(written);
  }

  /**
   * Was the name written in the block at all, valid or not? {@code written(x) && !isSet(x)} means
   * its value was rejected (and reported): rules that depend on it should stay quiet.
   */
  public boolean written(String name) {
    return written.contains(name);
  }

  public Object get(String name) {
    return values.get(name);
  }

  public String string(String name) {
    return (String) values.get(name);
  }

  public boolean bool(String name) {
    return Boolean.TRUE.equals(values.get(name));
  }

  /**
   * The whole number {@code name} from {@code min} to {@code max}; null when absent, or when it is
   * out of range or not whole (then reported to {@code diags} at its position).
   */
  public Integer wholeNumber(String name, int min, int max, Diagnostics diags) {
    Object v = values.get(name);
    if (v instanceof Long l && l >= min && l <= max) {
      return l.intValue();
    }
    if (v != null) {
      diags.error(
          posOf(name),
          "\"%s\" in %s must be a whole number from %d to %d, got %s"
              .formatted(name, where, min, max, Values.formatNumber(v)));
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  public Map<String, String> stringMap(String name) {
    Object v = values.get(name);
    return v == null ? Map.of() : (Map<String, String>) v;
  }

  @SuppressWarnings("unchecked")
  public List<String> stringList(String name) {
    Object v = values.get(name);
    return v == null ? List.of() : (List<String>) v;
  }

  /** A non-repeatable nested block, or null when absent. */
  public Decoded block(String name) {
    return (Decoded) values.get(name);
  }

  /** Was the attribute or block written in the file (as opposed to defaulted or absent)? */
  public boolean isSet(String name) {
    return positions.containsKey(name);
  }

  /** Where the attribute's value or the nested block was written, or this block's position. */
  public SourcePos posOf(String name) {
    return positions.getOrDefault(name, pos);
  }

  /**
   * The values with nested blocks as {@code Map<String,Object>} (repeatable ones as lists of maps):
   * the plain form of {@code ExecutorSpec.attributes()}.
   */
  public Map<String, Object> toPlain() {
    Map<String, Object> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, plain(v)));
    return Collections.unmodifiableMap(out);
  }

  private static Object plain(Object v) {
    if (v instanceof Decoded d) {
      return d.toPlain();
    }
    if (v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Decoded) {
      return l.stream().map(Decoded::plain).toList();
    }
    return v;
  }
}

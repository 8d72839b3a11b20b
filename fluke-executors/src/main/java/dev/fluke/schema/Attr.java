package dev.fluke.schema;

import java.util.List;

/**
 * One attribute of a block schema.
 *
 * @param defaultValue used when the attribute is absent and not required (may be null: stays
 *     absent)
 * @param allowed for enum-like strings, the accepted values; empty = any
 */
public record Attr(
    String name,
    AttrType type,
    boolean required,
    Object defaultValue,
    List<String> allowed,
    String doc) {
  public Attr {
    allowed = List.copyOf(allowed);
  }

  public static Attr required(String name, AttrType type, String doc) {
    return new Attr(name, type, true, null, List.of(), doc);
  }

  public static Attr optional(String name, AttrType type, Object dflt, String doc) {
    return new Attr(name, type, false, dflt, List.of(), doc);
  }

  public static Attr oneOf(String name, String dflt, List<String> allowed, String doc) {
    return new Attr(name, AttrType.STRING, false, dflt, allowed, doc);
  }
}

package dev.fluke.manifest;

import dev.fluke.hcl.SourcePos;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One executor block of a task, validated against its executor's schema, with defaults filled in.
 *
 * <p>{@code attributes} holds plain values only: {@link String}, {@link Boolean}, {@link Long},
 * {@link Double}, {@code Map<String,String>} for map attributes and {@code Map<String,Object>} for
 * a nested block (for example mise's {@code git}). That keeps the spec serialisable as JSON, which
 * is how it crosses the wire to agents (and, later, to external executor plugins).
 */
public record ExecutorSpec(
    String type, String name, Map<String, Object> attributes, OnFailure onFailure, SourcePos pos) {
  public ExecutorSpec {
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  public String string(String key) {
    Object v = attributes.get(key);
    return v == null ? null : v.toString();
  }

  public boolean bool(String key, boolean dflt) {
    Object v = attributes.get(key);
    return v instanceof Boolean b ? b : dflt;
  }

  @SuppressWarnings("unchecked")
  public Map<String, String> stringMap(String key) {
    Object v = attributes.get(key);
    return v instanceof Map<?, ?> m ? (Map<String, String>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> block(String key) {
    Object v = attributes.get(key);
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  /** {@code type "name"}, as shown to operators. */
  public String label() {
    return type + " \"" + name + "\"";
  }
}

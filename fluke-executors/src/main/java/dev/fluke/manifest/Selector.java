package dev.fluke.manifest;

import java.util.Map;
import java.util.TreeMap;

/** {@code selector { match_labels = {...} }}: a host matches when every pair is in its labels. */
public record Selector(Map<String, String> matchLabels) {
  public Selector {
    matchLabels = java.util.Collections.unmodifiableMap(new TreeMap<>(matchLabels));
  }

  public boolean matches(Map<String, String> labels) {
    for (Map.Entry<String, String> e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}

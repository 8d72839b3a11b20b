package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** What a manual reconcile is for: the whole fleet, one agent, or one task. */
public enum TargetKind {
  ALL,
  AGENT,
  TASK;

  private final String word = name().toLowerCase(Locale.ROOT);

  @JsonValue
  public String word() {
    return word;
  }

  @Override
  public String toString() {
    return word;
  }

  /** The kind a word names (case-sensitive, as the API documents it), empty for anything else. */
  public static Optional<TargetKind> parse(String word) {
    for (TargetKind k : values()) {
      if (k.word.equals(word)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  @JsonCreator
  static TargetKind fromJson(String word) {
    return parse(word)
        .orElseThrow(() -> new IllegalArgumentException("unknown reconcile target " + word));
  }
}

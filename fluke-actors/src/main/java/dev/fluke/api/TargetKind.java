package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** What a manual reconcile is for: the whole fleet, one agent, or one task. */
public enum TargetKind {
  ALL,
  AGENT,
  TASK;

  @JsonValue
  public String word() {
    return Words.of(this);
  }

  @Override
  public String toString() {
    return word();
  }

  /** The reconcile target a word names (case-insensitive), empty for anything else. */
  public static Optional<TargetKind> parse(String word) {
    return Words.parse(TargetKind.class, word);
  }

  @JsonCreator
  static TargetKind fromJson(String word) {
    return Words.fromJson(TargetKind.class, word, "reconcile target");
  }
}

package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/**
 * The status of one task on one agent, as shown everywhere (API, UI, CLI, metrics). On the wire it
 * is the lower-case word ({@link #word()}).
 */
public enum Status {
  /** Not checked yet (or a block was skipped). */
  PENDING,
  /** The check passed, or an apply made it pass. */
  SATISFIED,
  /** The check failed: the host differs from the manifest. */
  DRIFTED,
  /** An apply is running. */
  APPLYING,
  /** An apply failed, or the check still fails right after a successful apply. */
  FAILED,
  /** An execution error: the check or apply could not run at all. */
  ERROR,
  /**
   * Drifted again after too many automatic remediations within the flap guard's period: not
   * remediated on this agent until a manual reconcile or a new commit (issue 10).
   */
  FLAPPING;

  private final String word = name().toLowerCase(Locale.ROOT);

  @JsonValue
  public String word() {
    return word;
  }

  @Override
  public String toString() {
    return word;
  }

  /** The status a word names (case-insensitive), empty for anything else. */
  public static Optional<Status> parse(String word) {
    if (word == null) {
      return Optional.empty();
    }
    for (Status s : values()) {
      if (s.word.equalsIgnoreCase(word.trim())) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  @JsonCreator
  static Status fromJson(String word) {
    return parse(word).orElseThrow(() -> new IllegalArgumentException("unknown status " + word));
  }
}

package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
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

  @JsonValue
  public String word() {
    return Words.of(this);
  }

  @Override
  public String toString() {
    return word();
  }

  /** The status a word names (case-insensitive), empty for anything else. */
  public static Optional<Status> parse(String word) {
    return Words.parse(Status.class, word);
  }

  @JsonCreator
  static Status fromJson(String word) {
    return Words.fromJson(Status.class, word, "status");
  }
}

package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where an agent's reconcile cycle is: idle, waiting for its checks, or applying; {@code unknown}
 * in cluster mode for an agent whose node did not answer (its last state is not shown as current).
 */
public enum CyclePhase {
  IDLE,
  CHECKING,
  APPLYING,
  UNKNOWN;

  private final String word = name().toLowerCase(Locale.ROOT);

  @JsonValue
  public String word() {
    return word;
  }

  @Override
  public String toString() {
    return word;
  }

  @JsonCreator
  static CyclePhase fromJson(String word) {
    for (CyclePhase p : values()) {
      if (p.word.equalsIgnoreCase(word)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown cycle phase " + word);
  }
}

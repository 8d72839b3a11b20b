package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where an agent's reconcile cycle is: idle, waiting for its checks, or applying. */
public enum CyclePhase {
  IDLE,
  CHECKING,
  APPLYING;

  @JsonValue
  public String word() {
    return Words.of(this);
  }

  @Override
  public String toString() {
    return word();
  }

  @JsonCreator
  static CyclePhase fromJson(String word) {
    return Words.fromJson(CyclePhase.class, word, "cycle phase");
  }
}

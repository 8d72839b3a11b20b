package dev.fluke.exec;

/**
 * Which operation of an executor ran. {@code VERIFY} is the check run right after a successful
 * apply.
 */
public enum Phase {
  CHECK,
  APPLY,
  VERIFY;

  public String wireName() {
    return name().toLowerCase();
  }
}

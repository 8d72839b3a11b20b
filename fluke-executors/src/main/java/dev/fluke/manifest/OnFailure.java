package dev.fluke.manifest;

/** What happens to the rest of a task when one executor block fails. */
public enum OnFailure {
  /** Stop this task: later blocks are not run. The default. */
  ABORT,
  /** Go on with the next block. */
  CONTINUE;

  public String hclName() {
    return name().toLowerCase();
  }
}

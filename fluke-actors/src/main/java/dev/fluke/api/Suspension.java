package dev.fluke.api;

import java.time.Instant;

/**
 * A suspension in force (issue 10): nothing in its scope is applied by the server on its own or by
 * a manual reconcile without {@code force}; checks still run, so drift stays visible.
 *
 * @param scope {@link TargetKind#ALL} (the whole fleet), {@link TargetKind#AGENT} or {@link
 *     TargetKind#TASK}
 * @param name the agent or task; null for the fleet
 * @param by who suspended it: the caller's identity as the API saw it
 * @param reason why (required)
 * @param since when it was suspended
 * @param until when it ends by itself; null = until resumed
 */
public record Suspension(
    TargetKind scope, String name, String by, String reason, Instant since, Instant until) {

  /** The key of its scope: at most one suspension per scope. */
  public String key() {
    return key(scope, name);
  }

  public static String key(TargetKind scope, String name) {
    return scope == TargetKind.ALL ? "all" : scope.word() + ":" + name;
  }

  /** True when it stops applies of {@code task} on {@code agent}. */
  public boolean covers(String agent, String task) {
    return switch (scope) {
      case ALL -> true;
      case AGENT -> name.equals(agent);
      case TASK -> name.equals(task);
    };
  }

  /** True when it has ended by itself at {@code now}. */
  public boolean expiredAt(Instant now) {
    return until != null && !now.isBefore(until);
  }

  /** How messages name its scope: {@code the fleet}, {@code agent web-01}, {@code task app}. */
  public String scopeText() {
    return scope == TargetKind.ALL ? "the fleet" : scope.word() + " " + name;
  }

  /** One line for status messages: {@code task app is suspended by alice until …: reason}. */
  public String describe() {
    return scopeText()
        + " is suspended by "
        + by
        + (until == null ? "" : " until " + until)
        + ": "
        + reason;
  }

  /**
   * The answer to a suspend or resume.
   *
   * @param done false when nothing changed (e.g. resuming what is not suspended), with why
   * @param suspension the suspension made, or the one resumed
   */
  public record Change(boolean done, String message, Suspension suspension) {}
}

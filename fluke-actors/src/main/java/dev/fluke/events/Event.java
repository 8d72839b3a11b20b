package dev.fluke.events;

import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import java.time.Instant;

/**
 * A record of something that happened (SPEC §1): a check, apply or verify outcome, or an agent,
 * manifest or alert occurrence. Events are the only lossy state the server owns.
 *
 * @param kind {@code check}, {@code apply}, {@code verify}, {@code agent}, {@code manifest}, {@code
 *     alert}
 * @param agent agent name, or empty for server-wide events
 * @param task task name or empty
 * @param executor executor label ({@code shell "marker"}) or empty
 * @param outcome e.g. {@code satisfied}, {@code drifted}, {@code applied}, {@code failed}, {@code
 *     error}, {@code connected}, {@code disconnected}, {@code rejected}, {@code loaded}, {@code
 *     invalid}, {@code sent}, {@code undeliverable}
 * @param exitCode process exit code, -1 when none
 * @param durationMillis how long it took, 0 when not applicable
 * @param output tail of output, may be empty
 * @param message one human line
 */
public record Event(
    Instant time,
    String kind,
    String agent,
    String task,
    String executor,
    String outcome,
    int exitCode,
    long durationMillis,
    String output,
    String message) {
  public Event {
    agent = agent == null ? "" : agent;
    task = task == null ? "" : task;
    executor = executor == null ? "" : executor;
    output = output == null ? "" : output;
    message = message == null ? "" : message;
  }

  /** {@link #agent} at the current time; kept for code outside the engine's clock. */
  public static Event simple(String kind, String agent, String outcome, String message) {
    return new Event(Instant.now(), kind, agent, "", "", outcome, -1, 0, "", message);
  }

  /**
   * A step an agent ran and reported: its phase is the kind ({@code check}, {@code apply}, {@code
   * verify}), its outcome, exit code, duration and output tail are the step's.
   */
  public static Event step(
      Instant time, String agent, String task, String executor, StepResult step, String message) {
    return new Event(
        time,
        step.phase().wireName(),
        agent,
        task,
        executor,
        step.outcome().wireName(),
        step.exitCode(),
        step.duration().toMillis(),
        step.output(),
        message);
  }

  /**
   * A step the server decided itself about a task (e.g. it gave up waiting): {@code phase} is
   * {@code check} or {@code apply}; no exit code, no duration.
   */
  public static Event serverStep(
      Instant time,
      String agent,
      String task,
      Phase phase,
      String outcome,
      String output,
      String message) {
    return new Event(time, phase.wireName(), agent, task, "", outcome, -1, 0, output, message);
  }

  /** A connection event of an agent: connected, disconnected, evicted, rejected... */
  public static Event agent(Instant time, String agent, String outcome, String message) {
    return new Event(time, "agent", agent, "", "", outcome, -1, 0, "", message);
  }

  /** A server-wide manifest event: loaded, invalid, fetch_failed... */
  public static Event manifest(Instant time, String outcome, String message) {
    return new Event(time, "manifest", "", "", "", outcome, -1, 0, "", message);
  }

  /**
   * A suspension changed (suspended, resumed, expired): in the agent's history for an agent scope,
   * with the task for a task scope, server-wide for the fleet.
   */
  public static Event suspension(
      Instant time, String agent, String task, String outcome, String message) {
    return new Event(time, "suspension", agent, task, "", outcome, -1, 0, "", message);
  }

  /** An alert delivery: sent or undeliverable. */
  public static Event alert(
      Instant time, String agent, String task, String outcome, String message) {
    return new Event(time, "alert", agent, task, "", outcome, -1, 0, "", message);
  }
}

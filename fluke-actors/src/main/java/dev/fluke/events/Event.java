package dev.fluke.events;

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

  public static Event simple(String kind, String agent, String outcome, String message) {
    return new Event(Instant.now(), kind, agent, "", "", outcome, -1, 0, "", message);
  }
}

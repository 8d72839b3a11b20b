package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fluke.events.Event;
import java.time.Instant;

/**
 * One change pushed to live viewers (the web UI over server-sent events, {@code fluke logs -f}).
 *
 * @param kind {@code event} (a new {@link Event}, in {@code event}), {@code output} (one line of a
 *     running apply, in {@code line}), {@code agent} (an agent connected, disconnected or changed
 *     status), {@code manifest} (a new snapshot or new manifest errors); and two markers about the
 *     stream itself: {@code replayed} (the buffered output lines sent first to a late viewer are
 *     all sent; {@code count} of them) and {@code lost} ({@code count} updates for this viewer were
 *     dropped because it did not keep up: what it shows may be stale until it refetches)
 * @param agent the agent concerned, or empty
 * @param task the task concerned, or empty
 */
public record LiveUpdate(
    Instant time,
    String kind,
    String agent,
    String task,
    String executor,
    String line,
    Event event,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) long count) {
  public LiveUpdate {
    agent = agent == null ? "" : agent;
    task = task == null ? "" : task;
    executor = executor == null ? "" : executor;
    line = line == null ? "" : line;
  }

  public static LiveUpdate ofEvent(Event e) {
    return new LiveUpdate(e.time(), "event", e.agent(), e.task(), e.executor(), "", e, 0);
  }

  public static LiveUpdate output(
      Instant time, String agent, String task, String executor, String line) {
    return new LiveUpdate(time, "output", agent, task, executor, line, null, 0);
  }

  public static LiveUpdate agentChanged(Instant time, String agent) {
    return new LiveUpdate(time, "agent", agent, "", "", "", null, 0);
  }

  public static LiveUpdate manifestChanged(Instant time) {
    return new LiveUpdate(time, "manifest", "", "", "", "", null, 0);
  }

  /**
   * Marker: the {@code lines} buffered output lines of a late viewer's replay have all been sent.
   */
  public static LiveUpdate replayed(Instant time, String agent, long lines) {
    return new LiveUpdate(time, "replayed", agent, "", "", "", null, lines);
  }

  /** Marker: {@code updates} updates for this viewer were dropped because it did not keep up. */
  public static LiveUpdate lost(Instant time, long updates) {
    return new LiveUpdate(time, "lost", "", "", "", "", null, updates);
  }

  // The same at the wall clock's time: for the edges (HTTP markers) and tests. The engine stamps
  // its
  // updates with its own clock through LiveHub.

  public static LiveUpdate output(String agent, String task, String executor, String line) {
    return output(Instant.now(), agent, task, executor, line);
  }

  public static LiveUpdate agentChanged(String agent) {
    return agentChanged(Instant.now(), agent);
  }

  public static LiveUpdate manifestChanged() {
    return manifestChanged(Instant.now());
  }

  public static LiveUpdate replayed(String agent, long lines) {
    return replayed(Instant.now(), agent, lines);
  }

  public static LiveUpdate lost(long updates) {
    return lost(Instant.now(), updates);
  }

  /**
   * A marker about the stream itself ({@code replayed}, {@code lost}) rather than a change of the
   * fleet.
   */
  public boolean isMarker() {
    return kind.equals("replayed") || kind.equals("lost");
  }
}

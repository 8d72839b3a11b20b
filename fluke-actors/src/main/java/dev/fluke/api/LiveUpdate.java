package dev.fluke.api;

import dev.fluke.events.Event;
import java.time.Instant;

/**
 * One change pushed to live viewers (the web UI over server-sent events, {@code fluke logs -f}).
 *
 * @param kind {@code event} (a new {@link Event}, in {@code event}), {@code output} (one line of a running
 *     apply, in {@code line}), {@code agent} (an agent connected, disconnected or changed status),
 *     {@code manifest} (a new snapshot or new manifest errors)
 * @param agent the agent concerned, or empty
 * @param task the task concerned, or empty
 */
public record LiveUpdate(Instant time, String kind, String agent, String task, String executor, String line, Event event) {
  public LiveUpdate {
    agent = agent == null ? "" : agent;
    task = task == null ? "" : task;
    executor = executor == null ? "" : executor;
    line = line == null ? "" : line;
  }

  public static LiveUpdate ofEvent(Event e) {
    return new LiveUpdate(e.time(), "event", e.agent(), e.task(), e.executor(), "", e);
  }

  public static LiveUpdate output(String agent, String task, String executor, String line) {
    return new LiveUpdate(Instant.now(), "output", agent, task, executor, line, null);
  }

  public static LiveUpdate agentChanged(String agent) {
    return new LiveUpdate(Instant.now(), "agent", agent, "", "", "", null);
  }

  public static LiveUpdate manifestChanged() {
    return new LiveUpdate(Instant.now(), "manifest", "", "", "", "", null);
  }
}

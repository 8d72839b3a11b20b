package dev.fluke.events;

/** Filters for reading events; null or empty means "any". Newest first, at most {@code limit}. */
public record EventQuery(String agent, String task, String outcome, int limit) {
  public static EventQuery latest(int limit) {
    return new EventQuery(null, null, null, limit);
  }

  public boolean matches(Event e) {
    return (agent == null || agent.isEmpty() || agent.equals(e.agent()))
        && (task == null || task.isEmpty() || task.equals(e.task()))
        && (outcome == null || outcome.isEmpty() || outcome.equals(e.outcome()));
  }
}

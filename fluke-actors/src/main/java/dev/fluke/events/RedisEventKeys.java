package dev.fluke.events;

/**
 * The Redis keys of the event store under one prefix (layout in {@code docs/event-store.md}).
 *
 * <ul>
 *   <li>{@code <prefix>:events:agent:<name>}: sorted set of one agent's events, by event time;
 *   <li>{@code <prefix>:events:server}: sorted set of server-wide events (empty agent);
 *   <li>{@code <prefix>:events:index}: sorted set of the event keys above, scored by their last
 *       write (epoch millis), so a query across agents reads only live keys and never scans the
 *       keyspace;
 *   <li>{@code <prefix>:events:seq}: counter that makes every member unique;
 *   <li>{@code <prefix>:state:<name>}: a string of server state kept across restarts without TTL
 *       (e.g. {@code suspensions}, JSON).
 * </ul>
 */
record RedisEventKeys(String prefix) {
  RedisEventKeys {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("event store redis prefix must not be empty");
    }
  }

  /** The key holding the events of {@code agent}; the server-wide key when it is empty. */
  String events(String agent) {
    return agent == null || agent.isEmpty()
        ? prefix + ":events:server"
        : prefix + ":events:agent:" + agent;
  }

  String index() {
    return prefix + ":events:index";
  }

  String sequence() {
    return prefix + ":events:seq";
  }

  String state(String name) {
    return prefix + ":state:" + name;
  }
}

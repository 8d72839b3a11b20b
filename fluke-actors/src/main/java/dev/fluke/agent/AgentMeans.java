package dev.fluke.agent;

import dev.fluke.agent.actor.Behavior;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * What an {@link Agent} is made of, put together by {@link AgentRuntime} (or a test).
 *
 * @param servers one connector per server, in the configured order (at least one; docs/protocol.md,
 *     "Failover")
 * @param executorTypes reported at registration
 * @param clock what heartbeats read the time from
 * @param random picks the first server and the jitter of every reconnect backoff
 * @param workers makes each worker (the first, and every replacement), which sends its answers to
 *     the outputs given
 */
record AgentMeans(
    AgentSettings settings,
    List<ServerConnector> servers,
    List<String> executorTypes,
    AgentJournal journal,
    WorkLane lane,
    Clock clock,
    RandomGenerator random,
    Function<Worker.Outputs, Behavior<Worker.Command>> workers) {

  AgentMeans {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("the agent needs at least one server");
    }
    servers = List.copyOf(servers);
  }
}

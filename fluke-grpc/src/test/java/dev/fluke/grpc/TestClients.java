package dev.fluke.grpc;

import dev.fluke.agent.actor.Actors;
import org.apache.pekko.actor.typed.ActorSystem;

/** The agent side's client means for tests that run a server on Pekko and an agent's connector. */
final class TestClients {
  /** Only its timer thread is used (answer timeouts); never terminated: daemon threads. */
  private static final Actors AGENT_SIDE = Actors.create("test-agent", 1, 1);

  private TestClients() {}

  /**
   * The transport settings of {@code system}'s configuration, timers on the agent side's thread.
   */
  static GrpcServerConnector.Client of(ActorSystem<?> system) {
    return GrpcServerConnector.Client.of(system.settings().config(), AGENT_SIDE.scheduler());
  }
}

package dev.fluke.grpc;

import dev.fluke.agent.actor.Actors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.apache.pekko.actor.typed.ActorSystem;

/** The agent side's client means for tests that run a server on Pekko and an agent's connector. */
final class TestClients {
  private static final ScheduledThreadPoolExecutor TIMERS =
      new ScheduledThreadPoolExecutor(
          1,
          r -> {
            Thread t = new Thread(r, "test-agent-scheduler");
            t.setDaemon(true);
            return t;
          });

  private TestClients() {}

  /** The transport settings of {@code system}'s configuration, timers on a shared thread. */
  static GrpcServerConnector.Client of(ActorSystem<?> system) {
    return GrpcServerConnector.Client.of(system.settings().config(), Actors.scheduler(TIMERS));
  }
}

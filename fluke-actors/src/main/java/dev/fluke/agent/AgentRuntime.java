package dev.fluke.agent;

import dev.fluke.exec.Executor;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The agent role in one object (SPEC §1, §4, §5): started with the executors this host offers and a
 * {@link ServerConnector}, it dials the server, keeps reconnecting with backoff and jitter,
 * registers, heartbeats, and runs what the server asks one request at a time. See docs/protocol.md
 * for the behaviour on the wire.
 *
 * <pre>{@code
 * AgentSettings settings = AgentSettings.create(system).withName("web-01").withLabels(labels);
 * AgentRuntime agent = AgentRuntime.start(system, settings, connector, Map.of("shell", shell, ...));
 * ...
 * agent.stop();
 * }</pre>
 */
public final class AgentRuntime {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ActorSystem<?> system;
  private final ActorRef<ServerLink.Command> link;

  private AgentRuntime(ActorSystem<?> system, ActorRef<ServerLink.Command> link) {
    this.system = system;
    this.link = link;
  }

  /**
   * Starts the agent under the system's guardian (as a system actor, so any guardian behaviour
   * works).
   *
   * @param executors executor type ({@code shell}, {@code mise}, {@code systemd}) → implementation
   */
  public static AgentRuntime start(
      ActorSystem<?> system,
      AgentSettings settings,
      ServerConnector connector,
      Map<String, Executor> executors) {
    TaskRunner runner = new TaskRunner(executors, settings.exec());
    ActorRef<ServerLink.Command> link =
        system.systemActorOf(
            ServerLink.create(settings, connector, runner),
            "fluke-agent-" + INSTANCES.incrementAndGet(),
            Props.empty());
    return new AgentRuntime(system, link);
  }

  /**
   * Stops the agent: the connection is closed and running work is cancelled (its process tree
   * killed). Completes when the agent has stopped, or at once if it already had.
   */
  public CompletionStage<Done> stop() {
    return AskPattern.<ServerLink.Command, Done>ask(
            link, ServerLink.Stop::new, Duration.ofSeconds(10), system.scheduler())
        .exceptionally(alreadyStopped -> Done.getInstance());
  }
}

package dev.fluke.agent;

import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Actors;
import dev.fluke.agent.actor.Done;
import dev.fluke.exec.Executor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent role in one object (SPEC §1, §4, §5): started with the executors this host offers and
 * one {@link ServerConnector} per server, it deals with an apply a previous agent process left
 * running, then dials a server (the first at random, then each in turn), keeps reconnecting with
 * backoff and jitter, moving on to the next server whenever a connection fails, ends or goes
 * silent, registers, heartbeats, and runs what the server asks one request at a time. See
 * docs/protocol.md for the behaviour on the wire.
 *
 * <p>Its actors run on the agent's own small runtime ({@link Actors}), not on Pekko: an agent
 * process loads neither Pekko nor Scala (docs/architecture.md, "The agent's runtime").
 *
 * <p>It stops in two steps, which {@link #shutdown} runs in order (the fluke binary's JVM shutdown
 * hook does on SIGTERM): {@link #drain} (no new work, the running apply finishes within {@code
 * stop_grace} or is killed, results are reported), then {@link #stop}.
 *
 * <pre>{@code
 * AgentSettings settings = AgentSettings.create(config).withName("web-01").withLabels(labels);
 * AgentSettings.Threads threads = AgentSettings.Threads.read(config);
 * Actors system = Actors.create("fluke-agent", threads.actors(), threads.blocking());
 * AgentRuntime agent = AgentRuntime.start(system, settings, connector, Map.of("shell", shell, ...));
 * }</pre>
 */
public final class AgentRuntime {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** Beyond the grace and the report timeout: killing a process tree and a little slack. */
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(20);

  private final Actors system;
  private final AgentSettings settings;
  private final ActorRef<Agent.Command> agent;

  private AgentRuntime(Actors system, AgentSettings settings, ActorRef<Agent.Command> agent) {
    this.system = system;
    this.settings = settings;
    this.agent = agent;
  }

  /** {@link #start(Actors, AgentSettings, List, Map, Clock)} with one server, UTC clock. */
  public static AgentRuntime start(
      Actors system,
      AgentSettings settings,
      ServerConnector connector,
      Map<String, Executor> executors) {
    return start(system, settings, List.of(connector), executors, Clock.systemUTC());
  }

  /** {@link #start(Actors, AgentSettings, List, Map, Clock)} with the UTC clock. */
  public static AgentRuntime start(
      Actors system,
      AgentSettings settings,
      List<? extends ServerConnector> servers,
      Map<String, Executor> executors) {
    return start(system, settings, servers, executors, Clock.systemUTC());
  }

  /** {@link #start(Actors, AgentSettings, List, Map, Clock)} with one server. */
  public static AgentRuntime start(
      Actors system,
      AgentSettings settings,
      ServerConnector connector,
      Map<String, Executor> executors,
      Clock clock) {
    return start(system, settings, List.of(connector), executors, clock);
  }

  /**
   * Opens the journal ({@link AgentSettings#journalFile()}) and starts the agent as a top-level
   * actor of {@code system}.
   *
   * @param servers one connector per server ({@code server_urls}, in their order; at least one)
   * @param executors executor type ({@code shell}, {@code mise}, {@code systemd}) → implementation
   * @param clock what heartbeats and the journal read the time from
   * @throws IllegalStateException when the journal file cannot be written
   * @throws IllegalArgumentException when {@code servers} is empty
   */
  public static AgentRuntime start(
      Actors system,
      AgentSettings settings,
      List<? extends ServerConnector> servers,
      Map<String, Executor> executors,
      Clock clock) {
    if (servers.isEmpty()) { // checked before the journal is opened
      throw new IllegalArgumentException("the agent needs at least one server");
    }
    AgentJournal journal =
        settings.journalFile().map(AgentJournal::open).orElseGet(AgentJournal::inMemory);
    TaskRunner runner = new TaskRunner(executors, settings.exec());
    String name = "fluke-agent-" + INSTANCES.incrementAndGet();
    WorkLane lane = new WorkLane();
    AgentMeans means =
        new AgentMeans(
            settings,
            List.copyOf(servers),
            runner.types(),
            journal,
            lane,
            clock,
            new SplittableRandom(),
            outputs -> Worker.create(settings, runner, journal, lane, clock, outputs));
    return new AgentRuntime(system, settings, system.spawn(Agent.create(means), name));
  }

  /** How long {@link #drain} may take: the grace, the report timeout and a margin. */
  public Duration drainTimeout() {
    return settings.stopGrace().plus(settings.stopReportTimeout()).plus(DRAIN_MARGIN);
  }

  /**
   * Stops taking work, lets the running apply finish within {@code stop_grace} (then kills its
   * process tree), reports the results and waits up to {@code stop-report-timeout} for the server's
   * acknowledgement. The agent then stays connected without taking work until {@link #stop}.
   */
  public CompletionStage<Done> drain() {
    return system
        .<Agent.Command, Done>ask(agent, Agent.Drain::new, drainTimeout())
        .exceptionally(alreadyStopped -> Done.getInstance());
  }

  /**
   * Stops the agent now: the connection is closed and running work is cancelled (its process tree
   * killed; its result is kept in the journal and reported on the next start). Completes when the
   * agent has stopped, or at once if it already had.
   */
  public CompletionStage<Done> stop() {
    return system
        .<Agent.Command, Done>ask(agent, Agent.Stop::new, Duration.ofSeconds(10))
        .exceptionally(alreadyStopped -> Done.getInstance());
  }

  /**
   * Completes once the agent has stopped: after {@link #stop}, or on its own should it fail (a bug:
   * the fluke binary then exits with an error so that the service manager starts it again).
   */
  public CompletionStage<Void> whenStopped() {
    return system.whenStopped(agent);
  }

  /** {@link #drain}, then {@link #stop}: how an agent process ends (SIGTERM). */
  public CompletionStage<Done> shutdown() {
    return drain().thenCompose(drained -> stop());
  }
}

package dev.fluke.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.fluke.exec.Executor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The agent role in one object (SPEC §1, §4, §5): started with the executors this host offers and
 * one {@link ServerConnector} per server, it deals with an apply a previous agent process left
 * running, then dials a server (the first at random, then each in turn), keeps reconnecting with
 * backoff and jitter, moving on to the next server whenever a connection fails, ends or goes
 * silent, registers, heartbeats, and runs what the server asks one request at a time. See
 * docs/protocol.md for the behaviour on the wire.
 *
 * <p>It stops with the actor system's CoordinatedShutdown (a JVM shutdown hook on SIGTERM runs it):
 * in phase {@code service-requests-done} it {@link #drain drains} (no new work, the running apply
 * finishes within {@code stop_grace} or is killed, results are reported), in {@code service-stop}
 * it {@link #stop stops}. A system for an agent is created with {@link #systemConfig}, which sizes
 * the system for an agent and gives the drain phase the time it needs.
 *
 * <pre>{@code
 * AgentSettings settings = AgentSettings.create(config).withName("web-01").withLabels(labels);
 * ActorSystem<Void> system =
 *     ActorSystem.create(Behaviors.empty(), "fluke-agent", AgentRuntime.systemConfig(config, settings));
 * AgentRuntime agent = AgentRuntime.start(system, settings, connector, Map.of("shell", shell, ...));
 * }</pre>
 */
public final class AgentRuntime {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** Beyond the grace and the report timeout: killing a process tree and a little slack. */
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(20);

  /**
   * The package of Pekko's own serializers (pekko-actor), not its subpackages: the ones an agent's
   * system keeps.
   */
  private static final String PEKKO_SERIALIZERS = "org.apache.pekko.serialization.";

  private static final String UNUSED_SERIALIZER = UnusedSerializer.class.getName();

  private final ActorSystem<?> system;
  private final AgentSettings settings;
  private final ActorRef<Agent.Command> agent;
  private final List<Cancellable> shutdownTasks;

  private AgentRuntime(
      ActorSystem<?> system,
      AgentSettings settings,
      ActorRef<Agent.Command> agent,
      List<Cancellable> shutdownTasks) {
    this.system = system;
    this.settings = settings;
    this.agent = agent;
    this.shutdownTasks = shutdownTasks;
  }

  /** {@link #start(ActorSystem, AgentSettings, List, Map, Clock)} with one server, UTC clock. */
  public static AgentRuntime start(
      ActorSystem<?> system,
      AgentSettings settings,
      ServerConnector connector,
      Map<String, Executor> executors) {
    return start(system, settings, List.of(connector), executors, Clock.systemUTC());
  }

  /** {@link #start(ActorSystem, AgentSettings, List, Map, Clock)} with the UTC clock. */
  public static AgentRuntime start(
      ActorSystem<?> system,
      AgentSettings settings,
      List<? extends ServerConnector> servers,
      Map<String, Executor> executors) {
    return start(system, settings, servers, executors, Clock.systemUTC());
  }

  /** {@link #start(ActorSystem, AgentSettings, List, Map, Clock)} with one server. */
  public static AgentRuntime start(
      ActorSystem<?> system,
      AgentSettings settings,
      ServerConnector connector,
      Map<String, Executor> executors,
      Clock clock) {
    return start(system, settings, List.of(connector), executors, clock);
  }

  /**
   * Opens the journal ({@link AgentSettings#journalFile()}) and starts the agent under the system's
   * guardian (as a system actor, so any guardian behaviour works).
   *
   * @param servers one connector per server ({@code server_urls}, in their order; at least one)
   * @param executors executor type ({@code shell}, {@code mise}, {@code systemd}) → implementation
   * @param clock what heartbeats and the journal read the time from
   * @throws IllegalStateException when the journal file cannot be written
   * @throws IllegalArgumentException when {@code servers} is empty
   */
  public static AgentRuntime start(
      ActorSystem<?> system,
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
    ActorRef<Agent.Command> agent = system.systemActorOf(Agent.create(means), name, Props.empty());
    AgentRuntime runtime = new AgentRuntime(system, settings, agent, new ArrayList<>());
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    runtime.shutdownTasks.add(
        shutdown.addCancellableTask(
            CoordinatedShutdown.PhaseServiceRequestsDone(), name + "-drain", runtime::drain));
    runtime.shutdownTasks.add(
        shutdown.addCancellableTask(
            CoordinatedShutdown.PhaseServiceStop(), name + "-stop", runtime::stop));
    return runtime;
  }

  /**
   * Stops taking work, lets the running apply finish within {@code stop_grace} (then kills its
   * process tree), reports the results and waits up to {@code stop-report-timeout} for the server's
   * acknowledgement. The agent then stays connected without taking work until {@link #stop}.
   */
  public CompletionStage<Done> drain() {
    Duration timeout = settings.stopGrace().plus(settings.stopReportTimeout()).plus(DRAIN_MARGIN);
    return AskPattern.<Agent.Command, Done>ask(agent, Agent.Drain::new, timeout, system.scheduler())
        .exceptionally(alreadyStopped -> Done.getInstance());
  }

  /**
   * Stops the agent now: the connection is closed and running work is cancelled (its process tree
   * killed; its result is kept in the journal and reported on the next start). Completes when the
   * agent has stopped, or at once if it already had.
   */
  public CompletionStage<Done> stop() {
    shutdownTasks.forEach(Cancellable::cancel);
    return AskPattern.<Agent.Command, Done>ask(
            agent, Agent.Stop::new, Duration.ofSeconds(10), system.scheduler())
        .exceptionally(alreadyStopped -> Done.getInstance());
  }

  /**
   * The configuration for the actor system of an agent process: {@code fluke.agent.actor-system}
   * (sized for an agent) over {@code config}, and a {@code service-requests-done} phase of
   * CoordinatedShutdown long enough for {@link #drain} with this stop grace; only Pekko's own
   * serializers, and none of the extensions an agent does not use.
   */
  public static Config systemConfig(Config config, AgentSettings settings) {
    Duration drain = settings.stopGrace().plus(settings.stopReportTimeout()).plus(DRAIN_MARGIN);
    Config merged =
        ConfigFactory.parseString(
                "pekko.coordinated-shutdown.phases.service-requests-done.timeout = "
                    + drain.toMillis()
                    + "ms")
            .withFallback(config.getConfig("fluke.agent.actor-system"))
            .withFallback(config);
    return withoutUnusedExtensions(localSerializersOnly(merged));
  }

  /**
   * Extensions the jar's libraries have every actor system start at once, which an agent never
   * uses: Pekko Streams' system materializer (the agent runs no streams: about 80 classes and an
   * actor) and the typed receptionist (the agent looks no actor up). Either one still starts, on
   * first use, if something asks for it.
   */
  static final List<String> UNUSED_EXTENSIONS =
      List.of(
          "org.apache.pekko.stream.SystemMaterializer$",
          "org.apache.pekko.actor.typed.receptionist.Receptionist$");

  static Config withoutUnusedExtensions(Config config) {
    Config result = config;
    for (String path :
        List.of("pekko.library-extensions", "pekko.actor.typed.library-extensions")) {
      if (result.hasPath(path)) {
        List<String> kept =
            result.getStringList(path).stream()
                .filter(e -> !UNUSED_EXTENSIONS.contains(e))
                .toList();
        result = result.withValue(path, ConfigValueFactory.fromIterable(kept));
      }
    }
    return result;
  }

  /**
   * The agent's actor system is local: no message of it is ever serialized. Pekko creates every
   * configured serializer when the system starts, and the jar's other modules (remoting, cluster,
   * distributed data, Jackson) configure theirs, which loads about a thousand classes the agent
   * never uses (docs/performance.md). This keeps Pekko's own serializers ({@code
   * org.apache.pekko.serialization.*}: Java, bytes, primitives) and the bindings to them; the
   * others' bindings become {@code none} and their names name {@link UnusedSerializer} (Pekko lays
   * the jar's reference configuration under the system's, so they cannot just be left out).
   */
  static Config localSerializersOnly(Config config) {
    String serializersPath = "pekko.actor.serializers";
    String bindingsPath = "pekko.actor.serialization-bindings";
    Map<String, Object> serializers = new LinkedHashMap<>();
    Set<String> dropped = new HashSet<>();
    config
        .getObject(serializersPath)
        .unwrapped()
        .forEach(
            (alias, implementation) -> {
              String name = String.valueOf(implementation);
              if (name.startsWith(PEKKO_SERIALIZERS)
                  && name.indexOf('.', PEKKO_SERIALIZERS.length()) < 0) {
                serializers.put(alias, name);
              } else {
                serializers.put(alias, UNUSED_SERIALIZER);
                dropped.add(alias);
              }
            });
    Map<String, Object> bindings = new LinkedHashMap<>();
    config
        .getObject(bindingsPath)
        .unwrapped()
        .forEach((type, alias) -> bindings.put(type, dropped.contains(alias) ? "none" : alias));
    return config
        .withValue(serializersPath, ConfigValueFactory.fromMap(serializers))
        .withValue(bindingsPath, ConfigValueFactory.fromMap(bindings));
  }
}

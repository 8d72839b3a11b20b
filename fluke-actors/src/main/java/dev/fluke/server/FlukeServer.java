package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.LiveFeed;
import dev.fluke.cluster.AgentLocations;
import dev.fluke.cluster.ClusterBoot;
import dev.fluke.cluster.ClusterEpisodes;
import dev.fluke.cluster.ClusterFleetApi;
import dev.fluke.cluster.ClusterGit;
import dev.fluke.cluster.ClusterReceipts;
import dev.fluke.cluster.LiveRelay;
import dev.fluke.cluster.NodeService;
import dev.fluke.cluster.PinnedGitSync;
import dev.fluke.events.EventStore;
import dev.fluke.git.GitSync;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The server engine in one call: starts the {@link GitWatcher}, {@link TaskRegistry}, {@link
 * AgentRegistry} and {@link DriftAlerter}, and exposes what the edges need: the {@link FleetApi}
 * (for fluke-http), the {@link AgentGateway} (for fluke-grpc), {@link #fetchNow()} (for the Git
 * push webhook), the {@link LiveFeed} (for the live stream) and the {@link FlukeMetrics} the actors
 * feed (for {@code /metrics}).
 *
 * <pre>{@code
 * ServerSettings settings = ServerSettings.create(system).withGit(source, poll, glob).withDrift(policy, webhook);
 * EventStore events = new MemoryEventStore(100, 1000, 20000);
 * FlukeMetrics metrics = new FlukeMetrics();
 * FlukeServer server = FlukeServer.start(system, settings, gitSync, manifestLoader, events, metrics);
 * }</pre>
 */
public final class FlukeServer {

  /** Spawns a top-level actor of the engine: in a guardian's context or as a system actor. */
  /** Where the engine's actors are made: system actors, or children of a given actor. */
  @FunctionalInterface
  private interface Spawner {
    ActorRef<?> spawnAny(Behavior<?> behavior, String name);

    @SuppressWarnings("unchecked") // the ref is of the behavior's own message type
    default <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
      return (ActorRef<T>) spawnAny(behavior, name);
    }
  }

  private final ServerSettings settings;
  private final ActorRef<GitWatcher.Command> git;
  private final ActorRef<GitWatcher.Command> localGit;
  private final ActorSystem<?> system;
  private final FleetApi fleetApi;
  private final StreamGateway gateway;
  private final EventStore events;
  private final LiveHub live;
  private final FlukeMetrics metrics;
  private final Suspensions suspensions;
  private final ActorRef<AgentRegistry.Command> agents;

  private FlukeServer(
      ActorSystem<?> system,
      ServerSettings settings,
      ActorRef<GitWatcher.Command> git,
      ActorRef<GitWatcher.Command> localGit,
      FleetApi fleetApi,
      StreamGateway gateway,
      EventStore events,
      LiveHub live,
      FlukeMetrics metrics,
      Suspensions suspensions,
      ActorRef<AgentRegistry.Command> agents) {
    this.settings = settings;
    this.system = system;
    this.git = git;
    this.localGit = localGit;
    this.fleetApi = fleetApi;
    this.gateway = gateway;
    this.events = events;
    this.live = live;
    this.metrics = metrics;
    this.suspensions = suspensions;
    this.agents = agents;
  }

  /**
   * {@link #start(ActorSystem, ServerSettings, GitSync, ManifestLoader, EventStore, FlukeMetrics)}
   * with metrics of its own.
   */
  public static FlukeServer start(
      ActorSystem<?> system,
      ServerSettings settings,
      GitSync git,
      ManifestLoader loader,
      EventStore events) {
    return start(system, settings, git, loader, events, new FlukeMetrics());
  }

  /**
   * Starts the engine as system actors (names {@code fluke-server-*}) of {@code system}. {@code
   * metrics} is fed by the engine and gets the live feed's own metrics registered (one server per
   * instance).
   */
  public static FlukeServer start(
      ActorSystem<?> system,
      ServerSettings settings,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      FlukeMetrics metrics) {
    Spawner spawner = (behavior, name) -> system.systemActorOf(behavior, name, Props.empty());
    return start(spawner, system, settings, git, loader, events, metrics, null);
  }

  /**
   * Starts the engine as children of the actor owning {@code context} (stopping it stops the
   * engine).
   */
  public static FlukeServer start(
      ActorContext<?> context,
      ServerSettings settings,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      FlukeMetrics metrics) {
    return start(context::spawn, context.getSystem(), settings, git, loader, events, metrics, null);
  }

  /** As above, the registrations decided by {@code admission} (tests: a directory of their own). */
  static FlukeServer start(
      ActorContext<?> context,
      ServerSettings settings,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      FlukeMetrics metrics,
      AgentAdmission admission) {
    return start(
        context::spawn, context.getSystem(), settings, git, loader, events, metrics, admission);
  }

  /**
   * @param admission null: the cluster's agent directory in cluster mode, else {@link
   *     AgentAdmission#LOCAL}
   */
  private static FlukeServer start(
      Spawner spawner,
      ActorSystem<?> system,
      ServerSettings settings,
      GitSync git,
      ManifestLoader loader,
      EventStore store,
      FlukeMetrics metrics,
      AgentAdmission admission) {
    LiveHub live = new LiveHub(settings.live(), metrics, settings.clock());
    // Everything the engine records goes through here: published live, failures counted.
    EventStore events = live.publishing(store);
    // The alerter talks to the outside: restarted with backoff should it ever fail.
    ActorRef<DriftAlerter.Command> alerter =
        spawner.spawn(
            Behaviors.supervise(
                    DriftAlerter.create(
                        settings.alerts(),
                        settings.version(),
                        events,
                        metrics,
                        settings.clock(),
                        // Cluster mode: the episodes are known cluster-wide (docs/cluster.md).
                        ClusterBoot.enabled(system)
                            ? ClusterEpisodes.start(system)
                            : new DriftEpisodes(settings.alerts().maxOpenEpisodes())))
                .onFailure(
                    SupervisorStrategy.restartWithBackoff(
                        settings.supervision().restartMin(),
                        settings.supervision().restartMax(),
                        settings.supervision().randomFactor())),
            "fluke-server-alerts");
    // A stopping server posts the alerts waiting for a retry before it exits (after its agents'
    // streams ended, so no new alert comes): they were lost with the process.
    Duration alertsFlush = settings.alerts().requestTimeout().plusSeconds(1);
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "fluke-alerts-flush",
            () ->
                AskPattern.<DriftAlerter.Command, Done>ask(
                        alerter, DriftAlerter.Flush::new, alertsFlush, system.scheduler())
                    .exceptionally(e -> Done.getInstance()));
    // The others hold state that only live connections and Git can rebuild, and do no I/O in their
    // handlers (all of it is piped back as messages): an unexpected exception is a bug that must
    // not cost the fleet's connections or the desired state, so they resume.
    // Cluster mode (docs/cluster.md): this node's watcher loads the commit the cluster's Git
    // singleton put in force; without a cluster block nothing of the cluster is started.
    boolean clustered = ClusterBoot.enabled(system);
    if (clustered) {
      LiveRelay.start(system, live); // the live stream shows every node's agents
    }
    PinnedGitSync pinned = clustered ? new PinnedGitSync(git) : null;
    ActorRef<GitWatcher.Command> watcher =
        spawner.spawn(
            Behaviors.supervise(
                    GitWatcher.create(
                        settings.git(),
                        settings.dataDir(),
                        clustered ? pinned : git,
                        loader,
                        events,
                        live,
                        metrics,
                        settings.clock()))
                .onFailure(SupervisorStrategy.resume()),
            "fluke-server-git");
    // Read by every runner, written by the keeper (restored from the store first: fail closed).
    Suspensions suspensions = new Suspensions();
    ActorRef<AgentLocations.Command> locations = clustered ? AgentLocations.start(system) : null;
    ActorRef<AgentRegistry.Command> agents =
        spawner.spawn(
            Behaviors.supervise(
                    AgentRegistry.create(
                        settings,
                        alerter,
                        events,
                        live,
                        metrics,
                        suspensions,
                        admission != null
                            ? admission
                            : locations != null
                                ? AgentLocations.admission(locations, ClusterReceipts.start(system))
                                : AgentAdmission.LOCAL))
                .onFailure(SupervisorStrategy.resume()),
            "fluke-server-agents");
    ActorRef<SuspensionKeeper.Command> keeper =
        spawner.spawn(
            Behaviors.supervise(
                    // Cluster mode: learns the suspensions in force from the other nodes first.
                    SuspensionKeeper.create(
                        settings,
                        suspensions,
                        events,
                        agents,
                        clustered ? new dev.fluke.cluster.PeerSuspensions(system) : null))
                .onFailure(SupervisorStrategy.resume()),
            "fluke-server-suspensions");
    ActorRef<TaskRegistry.Command> tasks =
        spawner.spawn(
            Behaviors.supervise(TaskRegistry.create(settings, watcher, agents, alerter, events))
                .onFailure(SupervisorStrategy.resume()),
            "fluke-server-tasks");
    ActorRef<GitWatcher.Command> gitFace =
        clustered
            ? ClusterGit.start(
                system, settings, git, loader, events, live, metrics, pinned, watcher)
            : watcher;
    // Plans read other refs through a ManifestSync of their own: never the clone in force.
    ManifestSync plans =
        new ManifestSync(
            settings.git(), new ManifestStore(settings.dataDir()), git, loader, settings.clock());
    FleetApi nodeApi =
        new ActorFleetApi(
            system, settings, agents, tasks, gitFace, keeper, suspensions, events, plans);
    if (clustered) {
      system.systemActorOf(
          NodeService.create(agents, nodeApi, ClusterBoot.askTimeout(system), settings.version()),
          "fluke-cluster-node",
          Props.empty());
      dev.fluke.cluster.ClusterGauges.register(system, metrics.registry()); // /metrics cluster_*
      dev.fluke.cluster.Rebalancer.start(system, locations, agents); // a restarted node gets agents
    }
    FleetApi api =
        clustered
            ? new ClusterFleetApi(
                system,
                nodeApi,
                locations,
                settings.version(),
                settings.clock(),
                events.shared(),
                settings.api().recentEvents())
            : nodeApi;
    StreamGateway gateway = new StreamGateway(system, agents, settings, events);
    return new FlukeServer(
        system,
        settings,
        gitFace,
        watcher,
        api,
        gateway,
        events,
        live,
        metrics,
        suspensions,
        agents);
  }

  /**
   * Why this node applies nothing yet because it does not know the suspensions in force (its store
   * is being read, or in cluster mode the other nodes are being asked), empty once it knows them
   * ({@code /readyz}).
   */
  public java.util.Optional<String> suspensionsPending() {
    return java.util.Optional.ofNullable(suspensions.waiting());
  }

  /** What the HTTP API, UI and CLI ask. */
  public FleetApi fleetApi() {
    return fleetApi;
  }

  /** What the gRPC service hands each authenticated agent stream to. */
  public AgentGateway gateway() {
    return gateway;
  }

  /**
   * Stops with the system's coordinated shutdown (SIGTERM, or a cluster node the cluster downed):
   * first {@code unbindAgents} (no new agent comes here), then {@link #drainAgents}; on a cluster
   * node Pekko's own phases then hand the singletons over and leave the cluster.
   */
  public void drainOnShutdown(Supplier<CompletionStage<Done>> unbindAgents) {
    CoordinatedShutdown cs = CoordinatedShutdown.get(system);
    cs.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "fluke-unbind-agents", unbindAgents);
    cs.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(), "fluke-drain-agents", this::drainAgents);
  }

  /**
   * Ends every agent stream, now and from now on: the agents reconnect (to another node of a
   * cluster, or to this server when it is back), after the agents' listener is unbound. Each
   * session first lets out the acknowledgements it owes ({@link AgentRegistry.Drain}); whatever
   * stream is left after that, or after {@link SessionClosing#FLUSH_LIMIT} and three seconds, is
   * completed at once.
   */
  public CompletionStage<Done> drainAgents() {
    return AskPattern.<AgentRegistry.Command, Done>ask(
            agents,
            AgentRegistry.Drain::new,
            SessionClosing.FLUSH_LIMIT.plusSeconds(3),
            system.scheduler())
        .handle(
            (done, failure) -> {
              gateway.drain();
              return Done.getInstance();
            });
  }

  /**
   * The manifests in force on this node. On a single server the same as {@code
   * fleetApi().manifest()}; in cluster mode this node's own view, where the API's answer is the Git
   * singleton's.
   */
  public CompletionStage<Dto.ManifestStatus> localManifest() {
    return AskPattern.ask(
        localGit, GitWatcher.GetStatus::new, settings.api().askTimeout(), system.scheduler());
  }

  /** Fetch the manifest repository now (the Git push webhook); coalesces with a fetch in flight. */
  public void fetchNow() {
    git.tell(GitWatcher.FetchNow.INSTANCE);
  }

  public ServerSettings settings() {
    return settings;
  }

  /**
   * The event store as the engine uses it: the one given to {@code start}, with appends published
   * live and failures counted. Its {@code healthy()} is the given store's ({@code /readyz}).
   */
  public EventStore events() {
    return events;
  }

  /** Live updates for the stream and the web UI ({@code GET /api/v1/stream}). */
  public LiveFeed liveFeed() {
    return live;
  }

  /** The metrics the engine feeds ({@code GET /metrics}). */
  public FlukeMetrics metrics() {
    return metrics;
  }
}

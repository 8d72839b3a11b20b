package dev.fluke.app;

import com.typesafe.config.Config;
import dev.fluke.api.FleetApi;
import dev.fluke.app.cli.VersionInfo;
import dev.fluke.cluster.ClusterBoot;
import dev.fluke.config.ListenAddress;
import dev.fluke.config.LogConfig;
import dev.fluke.config.ServerConfig;
import dev.fluke.events.EventStore;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.events.RedisEventStore;
import dev.fluke.git.JGitSync;
import dev.fluke.grpc.ClientCertificates;
import dev.fluke.grpc.GrpcServer;
import dev.fluke.grpc.TlsFiles;
import dev.fluke.http.HttpApi;
import dev.fluke.http.metrics.Readiness;
import dev.fluke.http.ui.WebRoutes;
import dev.fluke.http.webhook.WebhookSettings;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.HclManifestLoader;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.server.FlukeServer;
import dev.fluke.server.ServerSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Fluke server: one actor system with the server engine, the agents' gRPC endpoint and
 * the HTTP API, wired from a checked {@link ServerConfig}. Used by {@code fluke server}, {@code
 * fluke dev} and the end-to-end tests.
 */
public final class ServerNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerNode.class);
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration READINESS_TIMEOUT = Duration.ofSeconds(2);

  private final ActorSystem<Void> system;
  private final FlukeServer server;
  private final ServerBinding grpc;
  private final ServerBinding http;
  private final EventStore events;

  private ServerNode(
      ActorSystem<Void> system,
      FlukeServer server,
      ServerBinding grpc,
      ServerBinding http,
      EventStore events) {
    this.system = system;
    this.server = server;
    this.grpc = grpc;
    this.http = http;
    this.events = events;
  }

  /**
   * The configuration of a server for this machine only ({@code fluke dev}, {@code fluke bench}):
   * both listeners on 127.0.0.1 in plaintext, API without tokens (loopback callers only), manifests
   * from a local repository's {@code main} branch ({@code **}{@code /*.fluke.hcl}), events in
   * memory.
   *
   * @param grpcPort agents' port (0: any free one)
   * @param httpPort API and UI port (0: any free one)
   */
  public static ServerConfig loopbackConfig(
      Path dataDir,
      Path manifestRepo,
      int grpcPort,
      int httpPort,
      String agentToken,
      Duration pollInterval,
      Duration reconcileInterval,
      int maxEventsPerAgent) {
    return new ServerConfig(
        new ListenAddress("127.0.0.1", grpcPort),
        new ListenAddress("127.0.0.1", httpPort),
        List.of(agentToken),
        List.of(),
        dataDir,
        reconcileInterval,
        new ServerConfig.Git(
            manifestRepo.toUri().toString(),
            "main",
            pollInterval,
            "**/*.fluke.hcl",
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            true),
        ServerConfig.Tls.plaintext(),
        new ServerConfig.Drift(DriftPolicy.REMEDIATE, Optional.empty()),
        new ServerConfig.EventStore(
            ServerConfig.EventStore.Backend.MEMORY,
            new ServerConfig.Memory(maxEventsPerAgent),
            new ServerConfig.Redis("redis://localhost:6379", "fluke", Duration.ofHours(168))),
        LogConfig.defaults());
  }

  /**
   * Starts everything and waits until both listeners are bound (or fails, stopping what started).
   */
  public static ServerNode start(ServerConfig config, Config pekkoConfig) {
    return start(config, pekkoConfig, null);
  }

  /**
   * {@link #start(ServerConfig, Config)} with the engine reading {@code clock} (tests of time-based
   * rules such as maintenance windows); null for the system clock.
   */
  public static ServerNode start(ServerConfig config, Config pekkoConfig, java.time.Clock clock) {
    // Cluster mode only with a cluster block: without it, the local provider as always.
    Config effective =
        config
            .cluster()
            .map(
                c ->
                    ClusterBoot.config(
                        c,
                        config.tls().certFile(),
                        config.tls().keyFile(),
                        pekkoConfig,
                        config.dataDir()))
            .orElse(pekkoConfig);
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), ClusterBoot.SYSTEM_NAME, effective);
    try {
      ServerSettings settings = settings(config, ServerSettings.create(system));
      if (clock != null) {
        settings = settings.withClock(clock);
      }
      EventStore events = eventStore(config, settings.events());
      JGitSync git =
          new JGitSync(
              JGitSync.Options.defaults()
                  .withKnownHostsFile(config.dataDir().resolve("known_hosts")));
      FlukeServer server =
          FlukeServer.start(
              system, settings, git, HclManifestLoader.builtin(), events, new FlukeMetrics());
      Optional<TlsFiles> tls =
          config.tls().enabled()
              ? Optional.of(
                  new TlsFiles(
                      config.tls().certFile().orElseThrow(), config.tls().keyFile().orElseThrow()))
              : Optional.empty();

      ServerBinding grpc =
          await(
              GrpcServer.bind(
                  system,
                  config.listenGrpc().bindHost(),
                  config.listenGrpc().port(),
                  server.gateway(),
                  new LinkedHashSet<>(config.agentTokens()),
                  tls,
                  // mutual TLS: agents' endpoint only, the HTTP API asks no client certificate
                  config
                      .tls()
                      .clientCaFile()
                      .map(ca -> new ClientCertificates(ca, config.tls().crlFile()))));
      ServerBinding http = await(bindHttp(system, config, server, tls));
      // SIGTERM: no new agent, then every stream ends once its owed acknowledgements are out.
      server.drainOnShutdown(grpc::unbind);
      if (config.cluster().isPresent()) {
        ClusterBoot.rememberMembership(system, config.dataDir());
        log.info(
            "Cluster node {} (listening on {}), seeds {}",
            ClusterBoot.address(config.cluster().get().advertise()),
            config.cluster().get().listen(),
            ClusterBoot.seeds(config.cluster().get()));
      }
      log.info(
          "Fluke server {} started: agents gRPC on {}, dashboard and API on {}, manifests from {} ({})",
          VersionInfo.current().oneLine(),
          grpc.localAddress(),
          http.localAddress(),
          config.git().source().redactedUrl(),
          config.git().branch());
      if (config.apiTokens().isEmpty()) {
        log.info("No api_tokens configured: the HTTP API answers loopback callers only");
      }
      return new ServerNode(system, server, grpc, http, events);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  /** Maps the user's HCL config onto the engine's settings (defaults come from reference.conf). */
  static ServerSettings settings(ServerConfig config, ServerSettings defaults) {
    return defaults
        .withVersion(VersionInfo.current().version())
        .withDataDir(config.dataDir())
        .withGit(
            new ServerSettings.Git(
                config.git().source(),
                config.git().pollInterval(),
                config.git().manifestGlob(),
                config.git().followForcePush()))
        .withReconcileInterval(config.reconcileInterval())
        .withDrift(config.drift().policy(), config.drift().alertWebhook().orElse(null))
        .withSafeChange(config.drift().flapLimit(), config.rollout())
        .withMaxEventsPerAgent(config.eventStore().memory().maxEventsPerAgent());
  }

  /**
   * The configured backend; sizes other than max_events_per_agent come from fluke.server.events.
   */
  private static EventStore eventStore(ServerConfig config, ServerSettings.Events sizes) {
    ServerConfig.EventStore es = config.eventStore();
    if (es.backend() == ServerConfig.EventStore.Backend.REDIS) {
      return RedisEventStore.connect(
          es.redis().url(), es.redis().prefix(), es.redis().ttl(), es.memory().maxEventsPerAgent());
    }
    return new MemoryEventStore(sizes.maxPerAgent(), sizes.maxServerWide(), sizes.maxAgents());
  }

  /** The JSON API, the web UI, the live stream, the Git webhook, /healthz, /readyz and /metrics. */
  private static CompletionStage<ServerBinding> bindHttp(
      ActorSystem<?> system, ServerConfig config, FlukeServer server, Optional<TlsFiles> tls) {
    Set<String> tokens = new LinkedHashSet<>(config.apiTokens());
    WebhookSettings webhook =
        new WebhookSettings(
            config.git().webhookSecret().orElse(null), config.git().branch(), server::fetchNow);
    // Cluster mode: ready when this node is an Up member and its own desired state is in force.
    Readiness readiness =
        config.cluster().isPresent()
            ? new Readiness(
                () -> server.localManifest().thenApply(m -> Optional.ofNullable(m.commit())),
                server.events()::healthy,
                // ... and knows the suspensions in force (learned from the other nodes).
                () -> ClusterBoot.notServing(system).or(server::suspensionsPending),
                READINESS_TIMEOUT)
            : Readiness.of(server.fleetApi(), server.events(), READINESS_TIMEOUT);
    var routes =
        WebRoutes.create(
            server.fleetApi(), tokens, server.liveFeed(), server.metrics(), webhook, readiness);
    var builder =
        HttpApi.serverAt(system, config.listenHttp().bindHost(), config.listenHttp().port());
    if (tls.isPresent()) {
      builder = builder.enableHttps(GrpcServer.httpsContext(tls.get()));
    }
    return builder.bind(routes);
  }

  private static ServerBinding await(CompletionStage<ServerBinding> binding) {
    try {
      return binding
          .toCompletableFuture()
          .get(BIND_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "could not listen: " + e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("could not listen: " + e, e);
    }
  }

  public FleetApi fleetApi() {
    return server.fleetApi();
  }

  public FlukeServer server() {
    return server;
  }

  public int grpcPort() {
    return grpc.localAddress().getPort();
  }

  public int httpPort() {
    return http.localAddress().getPort();
  }

  public InetSocketAddress httpAddress() {
    return http.localAddress();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Blocks until the actor system has terminated (SIGTERM runs coordinated shutdown). */
  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** True when the cluster downed this node (it then exits non-zero to be restarted). */
  public boolean downed() {
    return ClusterBoot.downed(system);
  }

  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    events.close();
  }
}

package dev.fluke.app;

import com.typesafe.config.Config;
import dev.fluke.agent.AgentRuntime;
import dev.fluke.agent.AgentSettings;
import dev.fluke.app.cli.VersionInfo;
import dev.fluke.config.AgentConfig;
import dev.fluke.exec.ExecutorRegistry;
import dev.fluke.git.JGitSync;
import dev.fluke.grpc.GrpcServerConnector;
import dev.fluke.grpc.TlsFiles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Fluke agent: one actor system, sized for an agent, holding the agent runtime
 * (connection with backoff, executor work on the agent's blocking dispatcher, the journal in {@code
 * state_dir}), wired from a checked {@link AgentConfig}. It stops through the system's
 * CoordinatedShutdown, which a JVM shutdown hook runs on SIGTERM: the running apply gets {@code
 * stop_grace} to finish and is reported before the process exits (docs/operations.md).
 */
public final class AgentNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentNode.class);

  /** The journal's file in {@code state_dir}. */
  public static final String JOURNAL_FILE = "agent-journal.json";

  private final ActorSystem<Void> system;
  private final JGitSync git;

  private AgentNode(ActorSystem<Void> system, JGitSync git) {
    this.system = system;
    this.git = git;
  }

  /**
   * @param env the environment the agent's commands start from (normally {@code System.getenv()})
   * @throws IllegalStateException when {@code state_dir} cannot hold the agent's journal
   */
  public static AgentNode start(AgentConfig config, Map<String, String> env, Config pekkoConfig) {
    AgentSettings settings =
        AgentSettings.create(pekkoConfig)
            .withName(config.name())
            .withLabels(config.labels())
            .withVersion(VersionInfo.current().version())
            .withExec(config.execSettings(env))
            .withStopGrace(config.stopGrace())
            .withJournalFile(config.stateDir().resolve(JOURNAL_FILE));
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(), "fluke-agent", AgentRuntime.systemConfig(pekkoConfig, settings));
    try {
      JGitSync git =
          new JGitSync(
              JGitSync.Options.defaults()
                  .withKnownHostsFile(config.stateDir().resolve("known_hosts")));
      Optional<TlsFiles> clientCertificate =
          config
              .tls()
              .certFile()
              .flatMap(cert -> config.tls().keyFile().map(key -> new TlsFiles(cert, key)));
      // One connector per server, all with the same token and TLS settings.
      List<GrpcServerConnector> servers =
          config.serverUrls().stream()
              .map(
                  url ->
                      new GrpcServerConnector(
                          system,
                          url.toString(),
                          config.token(),
                          config.tls().caFile(),
                          config.tls().insecureSkipVerify(),
                          clientCertificate))
              .toList();
      AgentRuntime.start(system, settings, servers, ExecutorRegistry.builtin(git));
      log.info(
          "Fluke agent {} started as '{}' with labels {}, dialing {}",
          VersionInfo.current().oneLine(),
          config.name(),
          config.labels(),
          servers.size() == 1
              ? config.serverUrls().get(0)
              : "one of " + config.serverUrls() + " (picked at random, then each in turn)");
      return new AgentNode(system, git);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /**
   * Stops the agent as SIGTERM does: through CoordinatedShutdown, so the running apply gets {@code
   * stop_grace} to finish and its result is reported. Returns when the actor system has terminated.
   */
  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    git.close();
  }
}

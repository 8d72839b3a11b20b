package dev.fluke.app;

import com.typesafe.config.Config;
import dev.fluke.agent.AgentRuntime;
import dev.fluke.agent.AgentSettings;
import dev.fluke.agent.actor.Actors;
import dev.fluke.app.cli.VersionInfo;
import dev.fluke.config.AgentConfig;
import dev.fluke.exec.ExecutorRegistry;
import dev.fluke.git.JGitSync;
import dev.fluke.grpc.GrpcServerConnector;
import dev.fluke.grpc.TlsFiles;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Fluke agent: the agent runtime on its own small actor runtime ({@link Actors}, sized by
 * {@code fluke.agent.threads}; no Pekko), with the connection with backoff, executor work on its
 * blocking threads and the journal in {@code state_dir}, wired from a checked {@link AgentConfig}.
 * It stops as SIGTERM stops it (a JVM shutdown hook) or on {@link #close}: the running apply gets
 * {@code stop_grace} to finish and is reported, then the agent stops and the process may exit
 * (docs/operations.md).
 */
public final class AgentNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentNode.class);

  /** The journal's file in {@code state_dir}. */
  public static final String JOURNAL_FILE = "agent-journal.json";

  /** Beyond the drain: the stop itself and the runtime's threads ending. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(15);

  private final Actors system;
  private final AgentRuntime agent;
  private final JGitSync git;
  private final Thread onSigterm;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean unexpected;

  private AgentNode(Actors system, AgentRuntime agent, JGitSync git) {
    this.system = system;
    this.agent = agent;
    this.git = git;
    this.onSigterm = new Thread(this::stopAgent, "fluke-agent-shutdown");
  }

  /**
   * @param env the environment the agent's commands start from (normally {@code System.getenv()})
   * @throws IllegalStateException when {@code state_dir} cannot hold the agent's journal
   */
  public static AgentNode start(AgentConfig config, Map<String, String> env, Config appConfig) {
    AgentSettings settings =
        AgentSettings.create(appConfig)
            .withName(config.name())
            .withLabels(config.labels())
            .withVersion(VersionInfo.current().version())
            .withExec(config.execSettings(env))
            .withStopGrace(config.stopGrace())
            .withJournalFile(config.stateDir().resolve(JOURNAL_FILE));
    AgentSettings.Threads threads = AgentSettings.Threads.read(appConfig);
    Actors system = Actors.create("fluke-agent", threads.actors(), threads.blocking());
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
      GrpcServerConnector.Client client =
          GrpcServerConnector.Client.of(appConfig, system.scheduler());
      // One connector per server, all with the same token and TLS settings.
      List<GrpcServerConnector> servers =
          config.serverUrls().stream()
              .map(
                  url ->
                      new GrpcServerConnector(
                          client,
                          url.toString(),
                          config.token(),
                          config.tls().caFile(),
                          config.tls().insecureSkipVerify(),
                          clientCertificate))
              .toList();
      AgentRuntime agent =
          AgentRuntime.start(system, settings, servers, ExecutorRegistry.builtin(git));
      log.info(
          "Fluke agent {} started as '{}' with labels {}, dialing {}",
          VersionInfo.current().oneLine(),
          config.name(),
          config.labels(),
          servers.size() == 1
              ? config.serverUrls().get(0)
              : "one of " + config.serverUrls() + " (picked at random, then each in turn)");
      AgentNode node = new AgentNode(system, agent, git);
      Runtime.getRuntime().addShutdownHook(node.onSigterm);
      agent.whenStopped().thenRun(node::onAgentStopped);
      return node;
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  /**
   * Returns once the agent has stopped (SIGTERM, {@link #close} on another thread, or on its own:
   * see {@link #stoppedUnexpectedly}).
   */
  public void awaitTermination() {
    system.whenTerminated().toCompletableFuture().join();
  }

  /**
   * The agent stopped without being asked to (a failure of its own actor: a bug). The process
   * should then exit with an error, so that its service manager ({@code Restart=on-failure}) starts
   * it again, rather than stay up without an agent.
   */
  public boolean stoppedUnexpectedly() {
    return unexpected;
  }

  /** The agent stopped: as asked ({@link #stopAgent} came first), or on its own. */
  private void onAgentStopped() {
    if (!stopping.compareAndSet(false, true)) {
      return; // asked to (SIGTERM, close)
    }
    unexpected = true;
    log.error(
        "The agent stopped unexpectedly (see the error above); exiting so that it is restarted");
    system.terminate();
  }

  /**
   * Stops the agent as SIGTERM does: the running apply gets {@code stop_grace} to finish and its
   * result is reported. Returns when the agent's runtime has stopped.
   */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(onSigterm);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) the same stop
    }
    stopAgent();
    git.close();
  }

  /**
   * Drains, stops, and ends the runtime's threads; bounded by the drain's own timeout. Once: a
   * second caller (SIGTERM during {@link #close}) waits for the first.
   */
  private synchronized void stopAgent() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    try {
      agent
          .shutdown()
          .toCompletableFuture()
          .get(agent.drainTimeout().plus(STOP_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("The agent did not stop in time ({}); stopping it anyway", e.toString());
    }
    try {
      system.terminate().toCompletableFuture().get(STOP_MARGIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("The agent's runtime did not end in time ({})", e.toString());
    }
  }
}

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
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Fluke agent: one actor system holding the agent runtime (connection with backoff,
 * executor work on the blocking dispatcher), wired from a checked {@link AgentConfig}.
 */
public final class AgentNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentNode.class);

  private final ActorSystem<Void> system;
  private final AgentRuntime runtime;
  private final JGitSync git;

  private AgentNode(ActorSystem<Void> system, AgentRuntime runtime, JGitSync git) {
    this.system = system;
    this.runtime = runtime;
    this.git = git;
  }

  /**
   * @param env the environment the agent's commands start from (normally {@code System.getenv()})
   */
  public static AgentNode start(AgentConfig config, Map<String, String> env, Config pekkoConfig) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fluke-agent", pekkoConfig);
    try {
      AgentSettings settings =
          AgentSettings.create(system)
              .withName(config.name())
              .withLabels(config.labels())
              .withVersion(VersionInfo.current().version())
              .withExec(config.execSettings(env));
      JGitSync git =
          new JGitSync(
              JGitSync.Options.defaults()
                  .withKnownHostsFile(config.stateDir().resolve("known_hosts")));
      GrpcServerConnector connector =
          new GrpcServerConnector(
              system,
              config.serverUrl().toString(),
              config.token(),
              config.tls().caFile(),
              config.tls().insecureSkipVerify(),
              config
                  .tls()
                  .certFile()
                  .flatMap(cert -> config.tls().keyFile().map(key -> new TlsFiles(cert, key))));
      AgentRuntime runtime =
          AgentRuntime.start(system, settings, connector, ExecutorRegistry.builtin(git));
      log.info(
          "Fluke agent {} started as '{}' with labels {}, dialing {}",
          VersionInfo.current().oneLine(),
          config.name(),
          config.labels(),
          config.serverUrl());
      return new AgentNode(system, runtime, git);
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

  @Override
  public void close() {
    runtime.stop().toCompletableFuture().join();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    git.close();
  }
}

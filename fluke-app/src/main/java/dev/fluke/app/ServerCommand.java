package dev.fluke.app;

import com.typesafe.config.ConfigFactory;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.cluster.ClusterBoot;
import dev.fluke.config.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fluke server --config server.hcl}: runs the control plane until SIGTERM / Ctrl-C. */
@Command(
    name = "server",
    description =
        "Run the Fluke server: reads manifests from Git, serves agents (gRPC) and the API (HTTP).",
    mixinStandardHelpOptions = true)
public final class ServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "server.hcl")
  Path config;

  @Override
  public Integer call() {
    FlukeCommand root = (FlukeCommand) spec.root().userObject();
    ServerConfig cfg = ConfigFiles.load(loader -> loader.loadServer(config, root.env()));
    LogSetup.apply(cfg.log());
    try (ServerNode node = ServerNode.start(cfg, ConfigFactory.load())) {
      node.awaitTermination();
      if (node.downed()) {
        // The cluster downed this node (it was on the minority side of a partition, or frozen too
        // long): exit non-zero so that its supervisor (systemd Restart=on-failure) starts it again
        // as a new member.
        spec.commandLine()
            .getErr()
            .println("fluke server: this node was downed by the cluster; exiting to be restarted");
        return ClusterBoot.DOWNED_EXIT_CODE;
      }
    } catch (IllegalStateException e) {
      throw new CliException(e.getMessage(), e);
    }
    return 0;
  }
}

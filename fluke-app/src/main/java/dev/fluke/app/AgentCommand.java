package dev.fluke.app;

import com.typesafe.config.ConfigFactory;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.config.AgentConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fluke agent --config agent.hcl}: runs the agent on this host until SIGTERM / Ctrl-C, which
 * stop it gracefully (the running apply gets {@code stop_grace} to finish and is reported).
 */
@Command(
    name = "agent",
    description = "Run the Fluke agent on this host: dials the server and runs checks and applies.",
    mixinStandardHelpOptions = true)
public final class AgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "agent.hcl")
  Path config;

  @Override
  public Integer call() {
    FlukeCommand root = (FlukeCommand) spec.root().userObject();
    AgentConfig cfg = ConfigFiles.load(loader -> loader.loadAgent(config, root.env()));
    LogSetup.apply(cfg.log());
    try (AgentNode node = AgentNode.start(cfg, root.env(), ConfigFactory.load())) {
      node.awaitTermination();
    } catch (IllegalArgumentException | IllegalStateException e) {
      // a bad setting, or a state_dir the agent cannot keep its journal in
      throw new CliException(e.getMessage(), e);
    }
    return 0;
  }
}

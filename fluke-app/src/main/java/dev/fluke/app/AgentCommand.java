package dev.fluke.app;

import com.typesafe.config.ConfigFactory;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.app.log.PlainLoggerFactory;
import dev.fluke.config.AgentConfig;
import dev.fluke.config.LogConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
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
    return run(config, root.env());
  }

  /**
   * Runs the agent with {@code config} until it is stopped; also how {@code fluke agent --config
   * FILE} starts without picocli (dev.fluke.app.cli.DirectRun).
   */
  public static int run(Path config, Map<String, String> env) {
    AgentConfig cfg = ConfigFiles.load(loader -> loader.loadAgent(config, env));
    applyLog(cfg.log());
    try (AgentNode node = AgentNode.start(cfg, env, ConfigFactory.load())) {
      node.awaitTermination();
      if (node.stoppedUnexpectedly()) {
        return 1; // so that the service manager starts it again
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      // a bad setting, or a state_dir the agent cannot keep its journal in
      throw new CliException(e.getMessage(), e);
    }
    return 0;
  }

  /**
   * {@code log { level, format }}: to the agent's own small SLF4J provider when the launcher chose
   * it ({@code -Dslf4j.provider}, docs/operations.md), else to Logback as for every other command.
   */
  static void applyLog(LogConfig log) {
    if (LoggerFactory.getILoggerFactory() instanceof PlainLoggerFactory plain) {
      plain.configure(log.level().name(), log.format().name().toLowerCase(Locale.ROOT));
    } else {
      LogSetup.apply(log);
    }
  }
}

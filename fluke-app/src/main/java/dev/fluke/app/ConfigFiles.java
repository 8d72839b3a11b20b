package dev.fluke.app;

import dev.fluke.app.cli.CliException;
import dev.fluke.config.ConfigException;
import dev.fluke.config.ConfigLoader;

/**
 * Loads {@code server.hcl} / {@code agent.hcl} for the long-running commands: a file with any error
 * stops the command with every error listed ({@code file:line:column: …}) and exit 1.
 */
final class ConfigFiles {
  private ConfigFiles() {}

  interface Load<C> {
    C from(ConfigLoader loader) throws ConfigException;
  }

  static <C> C load(Load<C> load) {
    try {
      return load.from(new ConfigLoader());
    } catch (ConfigException e) {
      throw new CliException("invalid configuration:\n" + e.getMessage());
    }
  }
}

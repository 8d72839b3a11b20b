package dev.fluke.config;

import dev.fluke.manifest.ManifestError;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A config file could not be used: every problem found, each with its position. The message lists
 * them one per line as {@code file:line:column: message}, ready to print before exiting.
 */
public final class ConfigException extends Exception {
  private final List<ManifestError> errors;

  public ConfigException(List<ManifestError> errors) {
    super(errors.stream().map(ManifestError::format).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<ManifestError> errors() {
    return errors;
  }
}

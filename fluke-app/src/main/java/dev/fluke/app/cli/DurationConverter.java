package dev.fluke.app.cli;

import dev.fluke.hcl.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Reads command-line durations ({@code --for 2d}, {@code --timeout 90s}) in Fluke's one duration
 * grammar ({@link Durations}, as in the config files and manifests). A bad value is a usage error
 * (exit 2) naming the accepted forms.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    try {
      return Durations.parse(value == null ? "" : value.trim());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration: use e.g. 30s, 5m, 1h30m, 2d");
    }
  }
}

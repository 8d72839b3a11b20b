package dev.fluke.app.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads durations the way Fluke's config files write them: {@code 30s}, {@code 5m}, {@code 1h30m},
 * {@code 250ms}, {@code 2d}. A bad value is a usage error (exit 2) naming the accepted forms.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String s = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    Matcher m = PART.matcher(s);
    Duration total = Duration.ZERO;
    int at = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
      at = m.end();
    }
    if (s.isEmpty() || at != s.length()) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration: use e.g. 30s, 5m, 1h30m");
    }
    return total;
  }
}

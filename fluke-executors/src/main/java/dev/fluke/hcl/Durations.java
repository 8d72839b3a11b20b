package dev.fluke.hcl;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fluke's one duration grammar, the same in {@code server.hcl}/{@code agent.hcl}, manifests, the
 * CLI ({@code --for 2d}, {@code --timeout 90s}) and what logs, the UI and the CLI print: Go-style
 * strings as operators know them from Go tools, {@code "90s"}, {@code "5m"}, {@code "1h30m"},
 * {@code "168h"}, {@code "500ms"}, {@code "1.5h"}, plus days ({@code "2d"} = 48 h), which Go lacks.
 * Units: ns, us (or µs), ms, s, m, h, d. Unlike Go, a sign is not accepted: Fluke has no use for
 * negative durations. {@code "0"} is zero. {@link #format} writes what {@link #parse} reads.
 */
public final class Durations {
  private Durations() {}

  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h|d)");

  private static final Map<String, BigDecimal> NANOS =
      Map.of(
          "ns", BigDecimal.ONE,
          "us", BigDecimal.valueOf(1_000L),
          "µs", BigDecimal.valueOf(1_000L),
          "μs", BigDecimal.valueOf(1_000L),
          "ms", BigDecimal.valueOf(1_000_000L),
          "s", BigDecimal.valueOf(1_000_000_000L),
          "m", BigDecimal.valueOf(60_000_000_000L),
          "h", BigDecimal.valueOf(3_600_000_000_000L),
          "d", BigDecimal.valueOf(86_400_000_000_000L));

  /** The example shown in errors. */
  public static final String EXPECTED =
      "a duration such as \"90s\", \"5m\", \"1h30m\" or \"500ms\"";

  /** Parses a duration; {@link IllegalArgumentException} with a message naming the problem. */
  public static Duration parse(String s) {
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("an empty string is not " + EXPECTED);
    }
    Matcher m = PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < s.length()) {
      m.region(at, s.length());
      if (!m.lookingAt()) {
        throw new IllegalArgumentException(
            "\"" + s + "\" is not " + EXPECTED + " (units: ns, us, ms, s, m, h, d)");
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(NANOS.get(m.group(2))));
      at = m.end();
    }
    BigInteger whole = nanos.toBigInteger();
    if (whole.bitLength() > 63) {
      throw new IllegalArgumentException("duration \"" + s + "\" is too long");
    }
    return Duration.ofNanos(whole.longValue());
  }

  public static boolean isValid(String s) {
    try {
      parse(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * How a duration is shown (logs, UI, CLI, messages), in the grammar {@link #parse} reads, zero
   * parts left out: {@code 1h30m}, {@code 1m30s}, {@code 168h}, {@code 500ms}, {@code 1.5s}, {@code
   * 0s}; null prints as "".
   */
  public static String format(Duration d) {
    if (d == null) {
      return "";
    }
    if (d.isZero()) {
      return "0s";
    }
    long nanos = d.toNanos();
    if (nanos < 1_000_000_000L) {
      if (nanos % 1_000_000L == 0) {
        return nanos / 1_000_000L + "ms";
      }
      if (nanos % 1_000L == 0) {
        return nanos / 1_000L + "us";
      }
      return nanos + "ns";
    }
    StringBuilder sb = new StringBuilder();
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    if (hours > 0) {
      sb.append(hours).append('h');
    }
    if (minutes > 0) {
      sb.append(minutes).append('m');
    }
    BigDecimal seconds =
        BigDecimal.valueOf(d.toSecondsPart()).add(BigDecimal.valueOf(d.toNanosPart(), 9));
    if (seconds.signum() > 0) {
      sb.append(seconds.stripTrailingZeros().toPlainString()).append('s');
    }
    return sb.toString();
  }
}

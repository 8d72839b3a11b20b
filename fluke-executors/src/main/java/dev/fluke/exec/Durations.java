package dev.fluke.exec;

import java.time.Duration;

/**
 * Formats durations the way operators write them in HCL: {@code 5m}, {@code 1h30m}, {@code 90s},
 * {@code 250ms}.
 */
final class Durations {
  private Durations() {}

  static String format(Duration d) {
    if (d == null) {
      return "";
    }
    long millis = d.toMillis();
    if (millis < 1000) {
      return millis + "ms";
    }
    StringBuilder sb = new StringBuilder();
    long h = d.toHours();
    long m = d.toMinutesPart();
    long s = d.toSecondsPart();
    long ms = d.toMillisPart();
    if (h > 0) {
      sb.append(h).append('h');
    }
    if (m > 0) {
      sb.append(m).append('m');
    }
    if (s > 0 || ms > 0) {
      sb.append(s);
      if (ms > 0) {
        sb.append('.').append(String.format("%03d", ms).replaceAll("0+$", ""));
      }
      sb.append('s');
    }
    return sb.toString();
  }
}

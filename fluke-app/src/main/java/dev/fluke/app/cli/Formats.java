package dev.fluke.app.cli;

import dev.fluke.api.Dto;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** How values read in the CLI's tables: relative times, status counts, labels, durations. */
final class Formats {
  private Formats() {}

  /** {@code 12s ago}, {@code 5m ago}, {@code 3h ago}, {@code 2d ago}; {@code -} when unknown. */
  static String ago(Instant time, Instant now) {
    if (time == null) {
      return "-";
    }
    long seconds = Duration.between(time, now).getSeconds();
    if (seconds < 0) {
      // The server's clock is ahead of ours; a small skew is not worth showing as the future.
      return seconds > -5 ? "just now" : "in " + span(-seconds);
    }
    return span(seconds) + " ago";
  }

  private static String span(long seconds) {
    if (seconds < 120) {
      return seconds + "s";
    }
    if (seconds < 120 * 60) {
      return seconds / 60 + "m";
    }
    if (seconds < 48 * 3600) {
      return seconds / 3600 + "h";
    }
    return seconds / 86400 + "d";
  }

  /** {@code 120ms}, {@code 4.2s}, {@code 2m05s}. */
  static String millis(long millis) {
    if (millis < 1000) {
      return millis + "ms";
    }
    if (millis < 60_000) {
      return String.format("%.1fs", millis / 1000.0);
    }
    long s = millis / 1000;
    return String.format("%dm%02ds", s / 60, s % 60);
  }

  /**
   * The non-zero counts in a fixed order, e.g. {@code 3 satisfied, 1 drifted}; {@code no tasks}.
   */
  static String counts(Dto.StatusCounts c) {
    if (c == null) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    addCount(parts, c.satisfied(), "satisfied");
    addCount(parts, c.drifted(), "drifted");
    addCount(parts, c.failed(), "failed");
    addCount(parts, c.error(), "error");
    addCount(parts, c.flapping(), "flapping");
    addCount(parts, c.applying(), "applying");
    addCount(parts, c.pending(), "pending");
    return parts.isEmpty() ? "no tasks" : String.join(", ", parts);
  }

  private static void addCount(List<String> parts, int n, String word) {
    if (n > 0) {
      parts.add(n + " " + word);
    }
  }

  /** {@code env=prod,role=web}, sorted; {@code -} when empty. */
  static String labels(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return "-";
    }
    return new TreeMap<>(labels)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  /** The first line of a message, for a table cell. */
  static String oneLine(String s) {
    if (s == null || s.isBlank()) {
      return "-";
    }
    String line = s.strip();
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl).stripTrailing() + " …";
  }

  static String yesNo(boolean b) {
    return b ? "yes" : "no";
  }

  static String shortCommit(String commit) {
    if (commit == null || commit.isBlank()) {
      return "-";
    }
    return commit.length() > 7 ? commit.substring(0, 7) : commit;
  }

  static String cell(Object value) {
    if (value == null) {
      return "-";
    }
    String s = value.toString();
    return s.isBlank() ? "-" : s.replace('\n', ' ').replace('\t', ' ');
  }

  /** {@code Key: value} lines with the values aligned. */
  static void fields(PrintWriter out, Map<String, String> fields) {
    int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
    fields.forEach(
        (key, value) ->
            out.println(key + ":" + " ".repeat(width - key.length() + 1) + cell(value)));
  }

  /** The last {@code max} lines of an output tail, indented, for the details below a table. */
  static void indentedTail(PrintWriter out, String output, int max) {
    List<String> lines = output.strip().lines().toList();
    int from = Math.max(0, lines.size() - max);
    if (from > 0) {
      out.println("    … (" + from + " earlier lines)");
    }
    for (String line : lines.subList(from, lines.size())) {
      out.println("    " + line);
    }
  }
}

package dev.fluke.server;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The last lines of a running apply (the API's "last output"): bounded, per executor block; a new
 * block starts a new tail. Lines are cut at {@value #MAX_LINE} characters so one runaway line
 * cannot hold much memory.
 */
final class OutputTail {
  static final int MAX_LINE = 4096;

  private final int maxLines;
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private String executor;

  OutputTail(int maxLines) {
    this.maxLines = maxLines;
  }

  void add(String fromExecutor, String line) {
    if (!fromExecutor.equals(executor)) {
      executor = fromExecutor;
      lines.clear();
    }
    if (lines.size() == maxLines) {
      lines.removeFirst();
    }
    lines.addLast(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line);
  }

  void clear() {
    executor = null;
    lines.clear();
  }

  /** The block the lines come from, null before the first line. */
  String executor() {
    return executor;
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  String text() {
    return String.join("\n", lines);
  }
}

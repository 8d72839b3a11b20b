package dev.fluke.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The apply output of the running task, between the executor's thread that produces lines and
 * {@link ServerLink}, which sends them as fast as the connection takes them. Bounded: when the
 * connection is slower than the command, further lines are dropped and one marker line in their
 * place says how many, so memory never grows with the output (the ApplyResult still carries the
 * output tail).
 *
 * <p>Thread-safe. {@link #offer} tells the producer when the buffer went from empty to non-empty,
 * so the consumer is signalled once per batch rather than once per line.
 */
final class OutputLines {

  record Line(String executor, String text) {}

  private final int capacity;
  private final int maxLineLength;
  private final ArrayDeque<Line> lines = new ArrayDeque<>();
  private long dropped;
  private String droppedExecutor;

  OutputLines(int capacity, int maxLineLength) {
    this.capacity = capacity;
    this.maxLineLength = maxLineLength;
  }

  /** Adds a line (or counts it as dropped); true when the consumer must be told there is output. */
  synchronized boolean offer(String executor, String text) {
    boolean wasEmpty = lines.isEmpty();
    if (lines.size() >= capacity) {
      dropped++;
      droppedExecutor = executor;
      return false;
    }
    if (dropped > 0) {
      lines.add(marker());
    }
    lines.add(new Line(executor, cut(text)));
    return wasEmpty;
  }

  /**
   * Takes up to {@code max} lines, in order; a gap of dropped lines shows up as one marker line.
   */
  synchronized List<Line> drain(int max) {
    List<Line> out = new ArrayList<>(Math.min(Math.max(max, 0), lines.size() + 1));
    while (out.size() < max && !lines.isEmpty()) {
      out.add(lines.poll());
    }
    if (lines.isEmpty() && dropped > 0 && out.size() < max) {
      out.add(marker());
    }
    return out;
  }

  synchronized boolean isEmpty() {
    return lines.isEmpty() && dropped == 0;
  }

  private Line marker() {
    Line m =
        new Line(
            droppedExecutor,
            "[fluke] "
                + dropped
                + " output line(s) dropped: the connection to the server was slower than"
                + " the command (the result keeps the output tail)");
    dropped = 0;
    droppedExecutor = null;
    return m;
  }

  private String cut(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= maxLineLength
        ? text
        : text.substring(0, maxLineLength)
            + " [fluke: line cut at "
            + maxLineLength
            + " characters]";
  }
}

package dev.fluke.app.cli;

import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How live updates read on a terminal ({@code fluke logs agent}, {@code fluke reconcile --wait}):
 * an output line behind the task and executor that printed it, and a short {@code ==} line for each
 * apply and verify outcome:
 *
 * <pre>
 * [deploy_app/shell "marker"] creating /opt/app/.deployed
 * == deploy_app/shell "marker" apply: applied (exit 0, 1.2s)
 * </pre>
 *
 * When several agents are followed at once, each line also names its agent ({@code [web-01
 * deploy_app/...]}).
 */
final class LiveLines {
  /**
   * The event kinds worth a line while following applies; checks are every interval and would drown
   * them.
   */
  private static final Set<String> SHOWN_EVENTS = Set.of("apply", "verify");

  /** Outcomes that need no explanation after them. */
  private static final Set<String> FINE = Set.of("applied", "satisfied", "skipped");

  private LiveLines() {}

  /** True for the updates {@link #text} has a line for. */
  static boolean shown(LiveUpdate u) {
    return switch (u.kind()) {
      case "output", "lost" -> true;
      case "event" -> u.event() != null && SHOWN_EVENTS.contains(u.event().kind());
      default -> false;
    };
  }

  /**
   * The line for an update, or null when it has none ({@link #shown} is false).
   *
   * @param withAgent name the agent too (several agents are being followed)
   */
  static String text(LiveUpdate u, boolean withAgent) {
    if (!shown(u)) {
      return null;
    }
    if (u.kind().equals("output")) {
      return "[" + source(u.agent(), u.task(), u.executor(), withAgent) + "] " + u.line();
    }
    if (u.kind().equals("lost")) {
      return "!! "
          + u.count()
          + " live update(s) were dropped by the server because this viewer fell behind;"
          + " lines may be missing here ('fluke describe agent NAME' shows the last output)";
    }
    Event e = u.event();
    List<String> facts = new ArrayList<>();
    if (e.exitCode() >= 0) {
      facts.add("exit " + e.exitCode());
    }
    if (e.durationMillis() > 0) {
      facts.add(Formats.millis(e.durationMillis()));
    }
    StringBuilder line =
        new StringBuilder("== ")
            .append(source(e.agent(), e.task(), e.executor(), withAgent))
            .append(' ')
            .append(e.kind())
            .append(": ")
            .append(e.outcome());
    if (!facts.isEmpty()) {
      line.append(" (").append(String.join(", ", facts)).append(')');
    }
    if (!FINE.contains(e.outcome()) && !e.message().isBlank()) {
      line.append(": ").append(Formats.oneLine(e.message()));
    }
    return line.toString();
  }

  /** {@code deploy_app/shell "marker"}, preceded by the agent when asked. */
  private static String source(String agent, String task, String executor, boolean withAgent) {
    StringBuilder s = new StringBuilder();
    if (withAgent && !agent.isEmpty()) {
      s.append(agent).append(' ');
    }
    s.append(task.isEmpty() ? "-" : task);
    if (!executor.isEmpty()) {
      s.append('/').append(executor);
    }
    return s.toString();
  }
}

package dev.fluke.server;

import dev.fluke.manifest.TaskSpec;
import dev.fluke.manifest.Window;
import java.time.Instant;

/**
 * What holds back the applies of one agent's drifted tasks (issue 10), for its {@link CycleRunner}:
 * the suspensions in force ({@link Suspensions}) and each task's maintenance window, read at the
 * injected clock's {@code now}. Plain and stateless beyond the shared registry, so the runner only
 * asks and starts a timer.
 */
final class RunnerGates {
  private final String agent;
  private final Suspensions suspensions;

  RunnerGates(String agent, Suspensions suspensions) {
    this.agent = agent;
    this.suspensions = suspensions;
  }

  /** What holds back the apply of a drifted {@code spec} now, and whether {@code r} forces it. */
  Gates of(TaskSpec spec, CycleRequest r, Instant now) {
    String suspended = suspensions.blocking(agent, spec.name(), now);
    String closed = null;
    Instant next = null;
    if (spec.window().isPresent() && !spec.window().get().isOpen(now)) {
      Window w = spec.window().get();
      next = w.nextOpening(now);
      closed =
          "outside its maintenance window "
              + w
              + (next == null ? "; the window never opens" : "; it opens " + w.describe(next));
    }
    return new Gates(suspended, closed, next, r.isForced(spec.name()));
  }

  /**
   * When the first closed window that alone held back an apply of the judged cycle opens (a
   * suspended task waits for its resume instead), or null: the runner starts a cycle then, so the
   * apply waits for the window, not for the next interval.
   */
  Instant firstOpening(Cycle.Judged judged, Instant now) {
    Instant first = null;
    for (Cycle.Checked t : judged.tasks()) {
      if (t.decision() == null || t.decision().apply() || t.spec().window().isEmpty()) {
        continue;
      }
      if (suspensions.blocking(agent, t.spec().name(), now) != null) {
        continue;
      }
      Instant opens = t.spec().window().get().nextOpening(now);
      if (opens != null && opens.isAfter(now) && (first == null || opens.isBefore(first))) {
        first = opens;
      }
    }
    return first;
  }
}

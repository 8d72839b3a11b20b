package dev.fluke.server;

import java.time.Instant;

/**
 * What may hold back the apply of one drifted task on one agent, besides its policy: an input of
 * {@link DriftDecision} (issue 10). The runner builds one per drifted task from the {@link
 * Suspensions} and the task's maintenance window. More gates (e.g. a rollout's) are added the same
 * way: one more field, one more line in {@link #blockedBy()}.
 *
 * @param suspended why a suspension holds it back, or null
 * @param windowClosed why its maintenance window holds it back (closed now), or null
 * @param nextOpening when the window opens next (null when open or never)
 * @param force a person asked to apply it whatever holds it back ({@code --force})
 */
record Gates(String suspended, String windowClosed, Instant nextOpening, boolean force) {
  static final Gates OPEN = new Gates(null, null, null, false);

  /** Why the apply is held back (the suspension first), or null when nothing holds it. */
  String blockedBy() {
    return suspended != null ? suspended : windowClosed;
  }
}

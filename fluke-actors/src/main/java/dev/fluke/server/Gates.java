package dev.fluke.server;

import java.time.Instant;

/**
 * What may hold back the apply of one drifted task on one agent, besides its policy: an input of
 * {@link DriftDecision} (issue 10). The runner builds one per drifted task from the {@link
 * Suspensions}, the task's maintenance window, the task's rollout ({@link RolloutGates}) and the
 * agent's {@link FlapGuard}.
 *
 * <p>Precedence, strongest first: suspended &gt; window closed &gt; rollout held or halted &gt;
 * flapping. The first two ({@link #blockedBy()}) hold back every apply, manual ones too unless
 * forced, and still let an alerting policy announce the drift; the last two ({@link #hold()}) hold
 * back only automatic remediations, silently (they send their own alert once).
 *
 * @param suspended why a suspension holds it back, or null
 * @param windowClosed why its maintenance window holds it back (closed now), or null
 * @param nextOpening when the window opens next (null when open or never)
 * @param force a person asked to apply it whatever holds it back ({@code --force})
 * @param rolloutHeld the task's rollout of its commit has not reached this agent, or was halted
 * @param flapping the agent's flap guard holds the task (remediated too often)
 */
record Gates(
    String suspended,
    String windowClosed,
    Instant nextOpening,
    boolean force,
    boolean rolloutHeld,
    boolean flapping) {
  static final Gates OPEN = new Gates(null, null, null, false);

  /** Suspension and window only: no rollout or flap guard holds the task. */
  Gates(String suspended, String windowClosed, Instant nextOpening, boolean force) {
    this(suspended, windowClosed, nextOpening, force, false, false);
  }

  /** These gates with the rollout and flap guard holds of the task. */
  Gates withHolds(boolean rolloutHeld, boolean flapping) {
    return new Gates(suspended, windowClosed, nextOpening, force, rolloutHeld, flapping);
  }

  /**
   * What holds back an automatic remediation after {@link #blockedBy()}: the rollout first, then
   * the flap guard.
   */
  DriftDecision.Hold hold() {
    if (rolloutHeld) {
      return DriftDecision.Hold.ROLLOUT;
    }
    return flapping ? DriftDecision.Hold.FLAPPING : DriftDecision.Hold.NONE;
  }

  /** Why the apply is held back (the suspension first), or null when nothing holds it. */
  String blockedBy() {
    return suspended != null ? suspended : windowClosed;
  }
}

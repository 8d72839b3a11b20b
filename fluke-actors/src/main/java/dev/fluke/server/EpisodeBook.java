package dev.fluke.server;

/**
 * Which alerts the open drift episode of an (agent, task) pair has had, as {@link DriftAlerter}
 * asks it: on one server {@link DriftEpisodes} (in memory); in cluster mode {@code
 * dev.fluke.cluster.ClusterEpisodes}, the same answers kept cluster-wide, so an agent that moves to
 * another node while drifted does not alert again for the same episode. Called from the alerter's
 * actor only; answers at once (no blocking).
 */
public interface EpisodeBook {
  /** Which alerts an open episode has had. */
  record Sent(boolean detected, boolean remediated) {}

  /** The alerts the open episode of (agent, task) has had; null when none is open. */
  Sent sent(String agent, String task);

  /** The open episode of (agent, task) has had {@code sent} now (opening it when none was). */
  void remember(String agent, String task, Sent sent);

  /** Whether {@code drift_detected} is due (not sent yet in this episode); it counts as sent. */
  default boolean detected(String agent, String task) {
    Sent sent = sent(agent, task);
    if (sent != null && sent.detected()) {
      return false;
    }
    remember(agent, task, new Sent(true, sent != null && sent.remediated()));
    return true;
  }

  /** Whether {@code drift_remediated} is due (not sent yet in this episode); it counts as sent. */
  default boolean remediated(String agent, String task) {
    Sent sent = sent(agent, task);
    if (sent != null && sent.remediated()) {
      return false;
    }
    remember(agent, task, new Sent(sent != null && sent.detected(), true));
    return true;
  }

  /** The task is satisfied again: its next drift is a new episode. */
  void end(String agent, String task);
}

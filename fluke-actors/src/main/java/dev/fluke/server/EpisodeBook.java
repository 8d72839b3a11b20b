package dev.fluke.server;

/**
 * Which alerts the open drift episode of an (agent, task) pair has had, as {@link DriftAlerter}
 * asks it: on one server {@link DriftEpisodes} (in memory); in cluster mode {@code
 * dev.fluke.cluster.ClusterEpisodes}, the same answers kept cluster-wide, so an agent that moves to
 * another node while drifted does not alert again for the same episode. Called from the alerter's
 * actor only; answers at once (no blocking).
 */
public interface EpisodeBook {
  /** Whether {@code drift_detected} is due (not sent yet in this episode); it counts as sent. */
  boolean detected(String agent, String task);

  /** Whether {@code drift_remediated} is due (not sent yet in this episode); it counts as sent. */
  boolean remediated(String agent, String task);

  /** The task is satisfied again: its next drift is a new episode. */
  void end(String agent, String task);
}

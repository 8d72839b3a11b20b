package dev.fluke.cluster;

import java.time.Instant;

/**
 * The commit the cluster's Git singleton put in force: all that crosses the cluster about Git (each
 * node loads that commit's manifests from Git itself). Kept in Distributed Data ({@link
 * ClusterGit#KEY}).
 *
 * @param commit the commit id (40 hex), null before the singleton has loaded one
 * @param repository the repository it was loaded from (URL without password)
 * @param loadedAt when the singleton loaded it: an older load (a restart restoring its last good
 *     commit) never replaces a newer one
 */
public record CommitInForce(String commit, String repository, Instant loadedAt)
    implements CborSerializable {
  public static final CommitInForce NONE = new CommitInForce(null, null, Instant.EPOCH);

  /** True when {@code next} may replace this one. */
  boolean replacedBy(CommitInForce next) {
    return commit == null || !next.loadedAt().isBefore(loadedAt);
  }
}

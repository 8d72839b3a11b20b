package dev.fluke.cluster;

import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.git.RewritePolicy;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Git client of a cluster node's own {@code GitWatcher}: it fetches as usual and then checks
 * out the commit the cluster's Git singleton put in force ({@link #pin}), so every node loads the
 * same commit. Rewrites are always followed here: whether a rewritten branch is taken is the
 * singleton's decision. Before the singleton has said anything (the first seconds of a new cluster)
 * it follows the branch like a single server.
 *
 * <p>Once its clone holds the commit in force, a sync does not go to the Git host at all: only the
 * singleton polls for the cluster, so N nodes do not make N fetches per poll interval. A node's
 * watcher fetches again when the commit in force changes, or when its last sync did not end on it
 * (a failed fetch is retried at the next poll).
 */
public final class PinnedGitSync implements GitSync {
  private final GitSync git;
  private final AtomicReference<String> pinned = new AtomicReference<>();

  /** The commit the last sync of the clone ended on; null before the first and after a failure. */
  private final AtomicReference<String> synced = new AtomicReference<>();

  public PinnedGitSync(GitSync git) {
    this.git = git;
  }

  /** From now on, every sync checks out {@code commit}. */
  void pin(String commit) {
    pinned.set(commit);
  }

  String pinned() {
    return pinned.get();
  }

  @Override
  public Result sync(GitSource source, Path dir, RewritePolicy rewrites) throws GitSyncException {
    String commit = pinned.get();
    if (commit != null && commit.equals(synced.get())) {
      return Result.of(commit);
    }
    synced.set(null);
    Result result;
    if (commit == null) {
      result = git.sync(source, dir, rewrites);
    } else {
      Result fetched = git.sync(source, dir, RewritePolicy.FOLLOW);
      result = fetched.commit().equals(commit) ? Result.of(commit) : git.pin(source, dir, commit);
    }
    synced.set(result.commit());
    return result;
  }

  @Override
  public Result pin(GitSource source, Path dir, String commit) throws GitSyncException {
    return git.pin(source, dir, commit);
  }
}

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
 */
public final class PinnedGitSync implements GitSync {
  private final GitSync git;
  private final AtomicReference<String> pinned = new AtomicReference<>();

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
    if (commit == null) {
      return git.sync(source, dir, rewrites);
    }
    Result fetched = git.sync(source, dir, RewritePolicy.FOLLOW);
    if (fetched.commit().equals(commit)) {
      return Result.of(commit);
    }
    return git.pin(source, dir, commit);
  }

  @Override
  public Result pin(GitSource source, Path dir, String commit) throws GitSyncException {
    return git.pin(source, dir, commit);
  }
}

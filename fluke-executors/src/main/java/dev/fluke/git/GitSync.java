package dev.fluke.git;

import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Brings a local working copy to the tip of a branch: clones when {@code dir} is absent or empty,
 * otherwise fetches and fast-forwards. A branch whose history was rewritten upstream (a force push)
 * is followed or refused as {@link RewritePolicy} says, and only when the working copy holds no
 * work of its own: local changes, local commits, or a working copy of another remote are errors,
 * never silently reset. Blocking: call it off actor threads.
 */
public interface GitSync {

  /**
   * @return the commit now checked out, and the one it replaced when a rewrite was followed
   * @throws HistoryRewrittenException when the branch was rewritten and {@code rewrites} refuses it
   *     (the working copy is left as it was)
   * @throws GitSyncException for every other failure (the message is safe to show)
   */
  Result sync(GitSource source, Path dir, RewritePolicy rewrites) throws GitSyncException;

  /**
   * {@link #sync(GitSource, Path, RewritePolicy)} following rewrites ({@link
   * RewritePolicy#FOLLOW}).
   *
   * @return the commit id (40 hex) now checked out
   */
  default String sync(GitSource source, Path dir) throws GitSyncException {
    return sync(source, dir, RewritePolicy.FOLLOW).commit();
  }

  /**
   * Checks out exactly {@code commit} in the working copy {@code dir} that {@link #sync} keeps (its
   * branch is reset to it; a later sync fast-forwards it again). Cluster mode: every node loads the
   * commit the cluster's Git singleton put in force, not whatever its own fetch found.
   *
   * @return the commit now checked out (40 hex)
   * @throws GitSyncException when the commit is not in the working copy (fetch first) or Git fails
   */
  default Result pin(GitSource source, Path dir, String commit) throws GitSyncException {
    throw new GitSyncException("this Git client cannot check out a given commit");
  }

  /**
   * Writes the files of one ref of {@code source}'s repository into {@code into}, for reading only
   * (a plan of that ref: docs/architecture.md, "Plan"). {@code cache} is a bare repository of its
   * own (created when absent) that keeps the fetched objects between calls; no working copy that
   * {@link #sync} keeps is ever touched.
   *
   * @param ref a branch name, a tag name, a full ref name ({@code refs/heads/x}, {@code
   *     refs/pull/12/head}, ...) or the id of a commit (at least 7 hex digits) on a branch or tag
   *     of the repository
   * @param wanted which files to write, by their {@code /}-separated path in the tree (regular
   *     files only: symbolic links and submodules are never written)
   * @return the commit id (40 hex) whose tree was written
   * @throws GitSyncException when the ref does not exist or Git fails (the message is safe to show)
   */
  default String exportRef(
      GitSource source, String ref, Path cache, Path into, Predicate<String> wanted)
      throws GitSyncException {
    throw new GitSyncException("this Git client cannot read a ref other than the branch in force");
  }

  /**
   * What {@link #sync} would change in the working copy {@code dir}, without changing it (a plan's
   * check: docs/executors.md): null when {@code dir} is already at the tip of {@code source}'s
   * branch, else one line saying what a sync would do (clone, fast-forward, switch branch). Reads
   * the remote's tip only (no fetch into the working copy).
   *
   * @throws GitSyncException when the remote cannot be read, or a sync would fail (local changes, a
   *     working copy of another repository)
   */
  default String pendingSync(GitSource source, Path dir) throws GitSyncException {
    throw new GitSyncException("this Git client cannot tell what a sync would change");
  }

  /**
   * What a sync did.
   *
   * @param commit the commit (40 hex) now checked out
   * @param rewrittenFrom when the branch's history was rewritten upstream and the sync followed it:
   *     the commit that was checked out before, which the branch no longer contains; else null
   */
  record Result(String commit, String rewrittenFrom) {
    public static Result of(String commit) {
      return new Result(commit, null);
    }

    /** True when this sync followed a rewritten branch. */
    public boolean rewritten() {
      return rewrittenFrom != null;
    }
  }
}

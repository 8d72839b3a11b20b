package dev.fluke.git;

import static dev.fluke.git.WorkingCopies.isAbsentOrEmpty;
import static dev.fluke.git.WorkingCopies.localChanges;
import static dev.fluke.git.WorkingCopies.sameUrl;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * What a {@link BranchSync} would change in a working copy, without changing it ({@link
 * GitSync#pendingSync}): reads the remote's tip only. Callers hold the directory's lock and
 * translate failures ({@link GitErrors}).
 */
final class PendingSync {
  private final GitTransport transport;

  PendingSync(GitTransport transport) {
    this.transport = transport;
  }

  /**
   * Null when {@code abs} is at the tip of {@code branch}, else one line saying what a sync would
   * do.
   */
  String pending(GitSource source, String branch, Path abs)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    String ref = Constants.R_HEADS + branch;
    ObjectId remote = transport.remoteTip(source, ref, branch);
    String tip = remote.abbreviate(10).name();
    if (isAbsentOrEmpty(abs)) {
      return "would clone " + source.redactedUrl() + " (" + branch + " at " + tip + ") into " + abs;
    }
    if (!Files.exists(abs.resolve(".git"))) {
      throw new GitSyncException(
          abs + " is not empty and is not a Git working copy; a sync would refuse to touch it");
    }
    try (Repository repo = WorkingCopies.open(abs);
        Git git = new Git(repo)) {
      String origin = repo.getConfig().getString("remote", "origin", "url");
      if (origin == null || !sameUrl(origin, source.url())) {
        throw new GitSyncException(
            "working copy " + abs + " belongs to another repository; a sync would refuse it");
      }
      Set<String> dirty = new TreeSet<>(git.status().call().getUncommittedChanges());
      if (!dirty.isEmpty()) {
        throw new GitSyncException(localChanges(abs, dirty) + "; a sync would refuse to update it");
      }
      if (!ref.equals(repo.getFullBranch())) {
        return "would switch " + abs + " to branch " + branch + " at " + tip;
      }
      ObjectId local = repo.resolve(ref);
      if (remote.equals(local)) {
        return null;
      }
      return "would bring "
          + abs
          + " from "
          + (local == null ? "nothing" : local.abbreviate(10).name())
          + " to "
          + tip
          + " ("
          + branch
          + " of "
          + source.redactedUrl()
          + ")";
    }
  }
}

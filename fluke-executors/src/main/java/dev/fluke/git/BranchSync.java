package dev.fluke.git;

import static dev.fluke.git.WorkingCopies.head;
import static dev.fluke.git.WorkingCopies.isAbsentOrEmpty;
import static dev.fluke.git.WorkingCopies.localChanges;
import static dev.fluke.git.WorkingCopies.sameUrl;
import static dev.fluke.git.WorkingCopies.sample;
import static dev.fluke.git.WorkingCopies.withoutPassword;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.jgit.api.CreateBranchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.MergeCommand;
import org.eclipse.jgit.api.MergeResult;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link JGitSync}'s sync of a working copy (see there for the rules): a clone into an absent or
 * empty directory, else a fetch and a fast-forward, a switch of branch, or a rewritten branch
 * followed as the {@link RewritePolicy} says; and the pin of a given commit. Callers hold the
 * directory's lock and translate failures ({@link GitErrors}).
 */
final class BranchSync {
  private static final Logger log = LoggerFactory.getLogger(BranchSync.class);

  private final GitTransport transport;

  BranchSync(GitTransport transport) {
    this.transport = transport;
  }

  /** Clones into an absent or empty {@code dir}, else updates the working copy there. */
  GitSync.Result sync(GitSource source, String branch, Path dir, RewritePolicy rewrites)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    return isAbsentOrEmpty(dir)
        ? GitSync.Result.of(cloneInto(source, branch, dir))
        : update(source, branch, dir, rewrites);
  }

  /** Resets the working copy {@code dir} to {@code commit} (see {@link GitSync#pin}). */
  static GitSync.Result pin(GitSource source, Path dir, String commit)
      throws GitSyncException, GitAPIException, IOException {
    try (Git git = Git.open(dir.toFile())) {
      Repository repo = git.getRepository();
      ObjectId id;
      try {
        id = repo.resolve(commit + "^{commit}");
      } catch (MissingObjectException | IncorrectObjectTypeException e) {
        id = null;
      }
      if (id == null) {
        throw new GitSyncException(
            "commit " + commit + " is not in the clone of " + source.redactedUrl());
      }
      if (!id.name().equals(head(repo))) {
        git.reset().setMode(ResetCommand.ResetType.HARD).setRef(id.name()).call();
      }
      return GitSync.Result.of(head(repo));
    }
  }

  private String cloneInto(GitSource source, String branch, Path dir)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    boolean existed = Files.exists(dir);
    Files.createDirectories(dir);
    String ref = Constants.R_HEADS + branch;
    try {
      var clone =
          Git.cloneRepository()
              .setURI(source.url())
              .setDirectory(dir.toFile())
              .setRemote(Constants.DEFAULT_REMOTE_NAME)
              .setBranch(ref)
              .setBranchesToClone(List.of(ref))
              .setCloneAllBranches(false);
      transport.configure(clone, source);
      try (Git git = clone.call()) {
        Repository repo = git.getRepository();
        if (repo.exactRef(Constants.R_REMOTES + "origin/" + branch) == null) {
          throw new GitSyncException(
              "branch '" + branch + "' not found in " + source.redactedUrl());
        }
        if (!ref.equals(repo.getFullBranch())) {
          checkoutTracking(git, branch);
        }
        // keep passwords out of the clone's .git/config: the credentials come from the source each
        // time
        String stored = withoutPassword(source.url());
        if (!stored.equals(source.url())) {
          repo.getConfig().setString("remote", "origin", "url", stored);
          repo.getConfig().save();
        }
        return head(repo);
      }
    } catch (GitSyncException | GitAPIException | IOException | RuntimeException e) {
      // leave the directory as we found it, so the next attempt clones afresh
      cleanUp(dir, existed);
      throw e;
    }
  }

  private GitSync.Result update(GitSource source, String branch, Path dir, RewritePolicy rewrites)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    if (!Files.isDirectory(dir)) {
      throw new WorkingCopyException(dir + " exists and is not a directory");
    }
    if (!Files.exists(dir.resolve(".git"))) {
      throw new WorkingCopyException(
          dir + " is not empty and is not a Git working copy; refusing to touch it");
    }
    Repository repo = WorkingCopies.open(dir);
    try (Git git = new Git(repo)) {
      String origin = repo.getConfig().getString("remote", "origin", "url");
      if (origin == null || !sameUrl(origin, source.url())) {
        throw new WorkingCopyException(
            "working copy "
                + dir
                + " belongs to "
                + (origin == null
                    ? "no remote 'origin'"
                    : new GitSource(origin, null, null, null, null).redactedUrl())
                + ", not "
                + source.redactedUrl()
                + "; refusing to touch it");
      }
      String ref = Constants.R_HEADS + branch;
      String remoteRef = Constants.R_REMOTES + "origin/" + branch;
      // origin/<branch> is what the working copy was last brought to: it moves only together with
      // the working copy (below), never on a fetch alone. That is how a rewrite upstream is told
      // apart from local commits, however often a refused update is retried.
      ObjectId lastSynced = repo.resolve(remoteRef);
      var fetch = git.fetch().setRemote(source.url()).setRefSpecs(new RefSpec(ref));
      transport.configure(fetch, source);
      FetchResult fetched = fetch.call();
      Ref advertised = fetched.getAdvertisedRef(ref);
      if (advertised == null || advertised.getObjectId() == null) {
        throw new GitSyncException("branch '" + branch + "' not found in " + source.redactedUrl());
      }
      ObjectId remote = advertised.getObjectId();

      Status status = git.status().call();
      Set<String> dirty = new TreeSet<>(status.getUncommittedChanges());
      dirty.addAll(status.getConflicting());
      if (!dirty.isEmpty()) {
        throw new WorkingCopyException(localChanges(dir, dirty) + "; refusing to update it");
      }

      if (!ref.equals(repo.getFullBranch())) {
        if (repo.exactRef(ref) == null) {
          setRef(repo, remoteRef, remote, "fluke: fetched " + branch);
          checkoutTracking(git, branch);
          return GitSync.Result.of(head(repo));
        }
        git.checkout().setName(branch).call();
      }

      ObjectId local = repo.resolve(ref);
      if (local == null) {
        throw new WorkingCopyException("nothing is checked out in " + dir);
      }
      if (local.equals(remote)) {
        setRef(repo, remoteRef, remote, "fluke: fetched " + branch);
        return GitSync.Result.of(head(repo));
      }
      String rewrittenFrom = null;
      try (RevWalk walk = new RevWalk(repo)) {
        RevCommit localCommit = walk.parseCommit(local);
        RevCommit remoteCommit = walk.parseCommit(remote);
        if (walk.isMergedInto(remoteCommit, localCommit)) {
          throw new WorkingCopyException(
              "working copy "
                  + dir
                  + " has commits on '"
                  + branch
                  + "' that "
                  + source.redactedUrl()
                  + " does not have; refusing to reset it");
        }
        if (!walk.isMergedInto(localCommit, remoteCommit)) {
          boolean ownCommits =
              lastSynced == null || !walk.isMergedInto(localCommit, walk.parseCommit(lastSynced));
          if (ownCommits) {
            throw new WorkingCopyException(
                "history of "
                    + dir
                    + " ("
                    + local.abbreviate(10).name()
                    + ") diverged from "
                    + source.redactedUrl()
                    + " '"
                    + branch
                    + "' ("
                    + remote.abbreviate(10).name()
                    + ") and it holds commits of its own; cannot fast-forward, refusing to reset");
          }
          if (!rewrites.follow() && !accepted(walk, rewrites.accepted(), remoteCommit)) {
            throw new HistoryRewrittenException(
                "branch '"
                    + branch
                    + "' of "
                    + source.redactedUrl()
                    + " was rewritten (force push): "
                    + local.abbreviate(12).name()
                    + " is no longer part of it, its tip is now "
                    + remote.name()
                    + "; refusing to follow",
                local.name(),
                remote.name());
          }
          checkoutRewritten(repo, dir, localCommit, remoteCommit);
          setRef(repo, ref, remote, "fluke: follow rewritten " + branch);
          rewrittenFrom = local.name();
        }
      }
      if (rewrittenFrom == null) {
        MergeResult merged;
        try {
          merged =
              git.merge()
                  .include(remote)
                  .setFastForward(MergeCommand.FastForwardMode.FF_ONLY)
                  .setCommit(false)
                  .call();
        } catch (org.eclipse.jgit.api.errors.CheckoutConflictException e) {
          // status called the copy clean, yet files are in the way: untracked ones the new commit
          // adds, or an edit made since
          throw new WorkingCopyException(
              "fast-forward of "
                  + dir
                  + " to "
                  + remote.abbreviate(10).name()
                  + " would overwrite files that are not committed ("
                  + sample(new TreeSet<>(e.getConflictingPaths()))
                  + "); refusing to update it",
              e);
        }
        if (merged.getMergeStatus() != MergeResult.MergeStatus.FAST_FORWARD
            && merged.getMergeStatus() != MergeResult.MergeStatus.ALREADY_UP_TO_DATE) {
          String paths =
              merged.getFailingPaths() == null
                  ? ""
                  : " (" + sample(merged.getFailingPaths().keySet()) + ")";
          throw new WorkingCopyException(
              "fast-forward of "
                  + dir
                  + " to "
                  + remote.abbreviate(10).name()
                  + " failed: "
                  + merged.getMergeStatus()
                  + paths);
        }
      }
      setRef(repo, remoteRef, remote, "fluke: fetched " + branch);
      return new GitSync.Result(head(repo), rewrittenFrom);
    }
  }

  /** True when {@code tip} is the accepted commit or built on it. */
  private static boolean accepted(RevWalk walk, String accepted, RevCommit tip) throws IOException {
    if (accepted == null) {
      return false;
    }
    ObjectId id = ObjectId.fromString(accepted);
    if (id.equals(tip)) {
      return true;
    }
    try {
      return walk.isMergedInto(walk.parseCommit(id), tip);
    } catch (MissingObjectException | IncorrectObjectTypeException e) {
      return false; // not a commit of this repository
    }
  }

  /**
   * Checks out {@code to}'s tree over {@code from}'s, as a fast-forward would: files the two share
   * unchanged stay untouched, and an untracked file in the way is a conflict, never overwritten.
   */
  private static void checkoutRewritten(Repository repo, Path dir, RevCommit from, RevCommit to)
      throws IOException, GitSyncException {
    DirCache index = repo.lockDirCache();
    try {
      DirCacheCheckout checkout = new DirCacheCheckout(repo, from.getTree(), index, to.getTree());
      checkout.setFailOnConflict(true);
      checkout.checkout();
    } catch (org.eclipse.jgit.errors.CheckoutConflictException e) {
      throw new WorkingCopyException(
          "following the rewritten branch to "
              + to.abbreviate(10).name()
              + " in "
              + dir
              + " would overwrite files that are not committed ("
              + sample(new TreeSet<>(java.util.Arrays.asList(e.getConflictingFiles())))
              + "); refusing to update it");
    } finally {
      index.unlock();
    }
  }

  private static void setRef(Repository repo, String name, ObjectId id, String why)
      throws IOException, GitSyncException {
    RefUpdate update = repo.updateRef(name);
    update.setNewObjectId(id);
    update.setForceUpdate(true);
    update.setRefLogMessage(why, false);
    RefUpdate.Result result = update.update();
    switch (result) {
      case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> {}
      default ->
          throw new GitSyncException("could not move " + name + " to " + id.name() + ": " + result);
    }
  }

  private static void checkoutTracking(Git git, String branch) throws GitAPIException {
    git.checkout()
        .setCreateBranch(true)
        .setName(branch)
        .setStartPoint("origin/" + branch)
        .setUpstreamMode(CreateBranchCommand.SetupUpstreamMode.TRACK)
        .call();
  }

  private static void cleanUp(Path dir, boolean keepDir) {
    if (!Files.exists(dir)) {
      return; // JGit already removed what it made
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (keepDir && p.equals(dir)) {
          continue;
        }
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("could not clean up failed clone in {}: {}", dir, e.toString());
    }
  }
}

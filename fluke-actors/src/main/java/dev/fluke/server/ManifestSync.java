package dev.fluke.server;

import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.git.HistoryRewrittenException;
import dev.fluke.git.RewritePolicy;
import dev.fluke.git.WorkingCopyException;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.manifest.ManifestSet;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocking half of the {@link GitWatcher}: brings the configured repository's clone up to date
 * and loads the manifests of a new commit, and restores the last good manifests at start. Runs on
 * the blocking dispatcher, one call at a time; returns what happened as a value, never throws:
 * anything thrown while syncing is a failed fetch, anything thrown while loading rejects that
 * commit.
 */
final class ManifestSync {
  private static final Logger log = LoggerFactory.getLogger(ManifestSync.class);

  /**
   * @param processed the commit last loaded or rejected: found again, it is not loaded again
   * @param rewrites how a rewritten branch is treated
   */
  record Request(String processed, RewritePolicy rewrites) {}

  /** What a sync found. */
  sealed interface Outcome {
    /** The branch is still at the commit last processed. */
    record Unchanged(String commit) implements Outcome {}

    /**
     * A new commit was loaded (with or without errors).
     *
     * @param rewrittenFrom the commit the branch was rewritten from, when a rewrite was followed
     * @param snapshotProblem why a good commit could not be kept on disk, or null
     */
    record Loaded(
        String commit,
        String rewrittenFrom,
        ManifestSet manifests,
        Instant loadedAt,
        String snapshotProblem)
        implements Outcome {}

    /** Loading the new commit threw: the commit is rejected. */
    record LoadFailed(String commit, String rewrittenFrom, String cause) implements Outcome {}

    /**
     * The branch was rewritten and the policy refused it.
     *
     * @param accepted the accepted commit the sync ran with (which did not cover this tip), or null
     */
    record RewriteRefused(String localCommit, String remoteCommit, String message, String accepted)
        implements Outcome {}

    /** Git failed (network, credentials, a missing branch, ...). */
    record FetchFailed(String message) implements Outcome {}
  }

  /**
   * The last good state found on disk at start; {@code state} null when none was restored, with the
   * reason in {@code problem} (null when there was simply none).
   */
  record Restore(DesiredState state, List<String> files, String repository, String problem) {
    static Restore failed(String problem) {
      return new Restore(null, List.of(), null, problem);
    }
  }

  private final ServerSettings.Git settings;
  private final ManifestStore store;
  private final GitSync git;
  private final ManifestLoader loader;
  private final Clock clock;

  ManifestSync(
      ServerSettings.Git settings,
      ManifestStore store,
      GitSync git,
      ManifestLoader loader,
      Clock clock) {
    this.settings = settings;
    this.store = store;
    this.git = git;
    this.loader = loader;
    this.clock = clock;
  }

  // One restore or sync at a time; close() waits for the one in flight so that a stopped server
  // writes nothing into its data dir afterwards.
  private final ReentrantLock working = new ReentrantLock();
  private volatile boolean closed;

  /**
   * No restore or sync starts any more; waits up to {@code max} for the one in flight to end.
   * Answers whether nothing runs any more.
   */
  boolean close(Duration max) {
    closed = true;
    try {
      if (working.tryLock(max.toMillis(), TimeUnit.MILLISECONDS)) {
        working.unlock();
        return true;
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Makes the shutdown of {@code system} wait (at most 30 s) for the restore or sync in flight, as
   * {@link #close}; cancel it when the sync's owner stops before its system.
   */
  Cancellable closeOnShutdown(ActorSystem<?> system, String owner, Executor blocking) {
    return CoordinatedShutdown.get(system)
        .addCancellableTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "fluke-git-sync-" + owner,
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      close(Duration.ofSeconds(30));
                      return Done.done();
                    },
                    blocking));
  }

  private boolean begin() {
    working.lock();
    if (closed) {
      working.unlock();
      return false;
    }
    return true;
  }

  /** Loads the last good manifests kept on disk, if any (they loaded before; they must again). */
  Restore restore() {
    if (!begin()) {
      return Restore.failed("the server is stopping");
    }
    try {
      Optional<ManifestStore.Snapshot> found = store.readSnapshot();
      if (found.isEmpty()) {
        return Restore.failed(null);
      }
      ManifestStore.Snapshot s = found.get();
      ManifestSet set = loader.load(s.root(), s.glob());
      if (set == null || !set.ok()) {
        return Restore.failed(
            "the manifests of commit "
                + s.commit()
                + " no longer load"
                + (set == null ? "" : ": " + set.errors().get(0).format()));
      }
      return new Restore(
          new DesiredState(s.commit(), set.tasks(), s.loadedAt()),
          set.files(),
          s.repository(),
          null);
    } catch (Throwable t) {
      return Restore.failed(describe(t));
    } finally {
      working.unlock();
    }
  }

  Outcome run(Request request) {
    if (!begin()) {
      return new Outcome.FetchFailed("the server is stopping");
    }
    try {
      return sync(request);
    } finally {
      working.unlock();
    }
  }

  private Outcome sync(Request request) {
    GitSource source = settings.source();
    Path checkout = store.checkoutFor(source);
    GitSync.Result synced;
    try {
      synced = syncOrReclone(source, checkout, request.rewrites());
    } catch (HistoryRewrittenException e) {
      return new Outcome.RewriteRefused(
          e.localCommit(), e.remoteCommit(), e.getMessage(), request.rewrites().accepted());
    } catch (GitSyncException e) {
      return new Outcome.FetchFailed(e.getMessage());
    } catch (Throwable t) {
      return new Outcome.FetchFailed(
          "syncing " + source.redactedUrl() + " failed unexpectedly: " + describe(t));
    }
    String commit = synced.commit();
    if (commit.equals(request.processed()) && !synced.rewritten()) {
      return new Outcome.Unchanged(commit);
    }
    ManifestSet set;
    try {
      set = loader.load(checkout, settings.manifestGlob());
      if (set == null) {
        throw new IllegalStateException("the manifest loader returned nothing");
      }
    } catch (Throwable t) {
      return new Outcome.LoadFailed(commit, synced.rewrittenFrom(), describe(t));
    }
    Instant now = clock.instant();
    String problem = null;
    if (set.ok()) {
      try {
        store.writeSnapshot(
            checkout,
            set.files(),
            commit,
            source.redactedUrl(),
            source.branch(),
            settings.manifestGlob(),
            now);
        for (String gone : store.pruneOtherCheckouts(checkout)) {
          log.info("Deleted the clone {} of a repository no longer configured", gone);
        }
      } catch (Exception e) {
        problem = describe(e);
      }
    }
    return new Outcome.Loaded(commit, synced.rewrittenFrom(), set, now, problem);
  }

  /** The clone is a cache: one that cannot be updated is deleted and cloned again, once. */
  private GitSync.Result syncOrReclone(GitSource source, Path checkout, RewritePolicy rewrites)
      throws Exception {
    try {
      return git.sync(source, checkout, rewrites);
    } catch (WorkingCopyException e) {
      log.warn(
          "The server's clone {} cannot be updated ({}); it is only a cache: cloning it again",
          checkout,
          e.getMessage());
      store.discard(checkout);
      return git.sync(source, checkout, rewrites);
    }
  }

  /** The class and message of {@code t} (a StackOverflowError has no message). */
  static String describe(Throwable t) {
    return t.getMessage() == null
        ? t.getClass().getName()
        : t.getClass().getName() + ": " + t.getMessage();
  }
}

package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.git.GitSource;
import dev.fluke.git.RewritePolicy;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.ManifestSet;
import java.time.Instant;
import java.util.List;

/**
 * What the {@link GitWatcher} knows, as one immutable value replaced per message: the desired state
 * in force and where it came from, the newest commit and its errors, the last fetch, and a refused
 * or accepted rewrite of the branch. Each method is one thing that happened.
 *
 * @param inForce the desired state in force, or null before the first good load (or restore)
 * @param files the manifest files of {@code inForce}
 * @param loadedFrom the repository (URL without password) {@code inForce} came from
 * @param candidate the newest commit loaded or rejected (or restored)
 * @param errors the errors of {@code candidate} when it was rejected, else empty
 * @param processed the last commit loaded or rejected from the configured repository: a sync that
 *     finds it again does not load it again (a rejected commit is rejected once)
 * @param lastFetchAt when the last sync ended, or null
 * @param fetchError the last sync's failure, or why its tip is refused; null when it worked
 * @param refusedCommit the tip of a rewritten branch refused under {@code on-force-push = refuse}
 * @param acceptedCommit the rewritten tip an operator accepted, until a sync follows it
 */
record WatchState(
    DesiredState inForce,
    List<String> files,
    String loadedFrom,
    String candidate,
    List<ManifestError> errors,
    String processed,
    Instant lastFetchAt,
    String fetchError,
    String refusedCommit,
    String acceptedCommit) {

  WatchState {
    files = List.copyOf(files);
    errors = List.copyOf(errors);
  }

  static WatchState initial() {
    return new WatchState(null, List.of(), null, null, List.of(), null, null, null, null, null);
  }

  /** The last good state kept on disk was put in force at start. */
  WatchState restored(DesiredState state, List<String> restoredFiles, String repository) {
    return with(
        c -> {
          c.inForce = state;
          c.files = restoredFiles;
          c.loadedFrom = repository;
          c.candidate = state.commit();
          c.errors = List.of();
        });
  }

  /** A sync reached the branch (whatever it then found): no fetch error, nothing refused. */
  WatchState fetched(Instant now) {
    return with(
        c -> {
          c.lastFetchAt = now;
          c.fetchError = null;
          c.refusedCommit = null;
        });
  }

  /** After a sync that followed a rewrite ({@code rewrittenFrom} not null): nothing is accepted. */
  WatchState rewriteDone(String rewrittenFrom) {
    if (rewrittenFrom == null) {
      return this;
    }
    return with(c -> c.acceptedCommit = null);
  }

  /** {@code commit}'s manifests loaded without errors and are now in force. */
  WatchState accepted(String commit, ManifestSet manifests, GitSource source, Instant loadedAt) {
    return with(
        c -> {
          c.inForce = new DesiredState(commit, manifests.tasks(), loadedAt);
          c.files = manifests.files();
          c.loadedFrom = source.redactedUrl();
          c.candidate = commit;
          c.errors = List.of();
          c.processed = commit;
        });
  }

  /** The same desired state stays in force, as the same value (the restored state confirmed). */
  WatchState keepLoadedAt(DesiredState same) {
    return with(c -> c.inForce = same);
  }

  /** {@code commit} is rejected whole; the state in force stays. */
  WatchState rejected(String commit, List<ManifestError> commitErrors) {
    return with(
        c -> {
          c.candidate = commit;
          c.errors = commitErrors;
          c.processed = commit;
        });
  }

  /**
   * The branch was rewritten to {@code remote} and refused. An accepted commit the sync already
   * carried did not cover this tip, so it is dropped; one accepted meanwhile is kept.
   */
  WatchState refused(String remote, String message, boolean hadAccepted, Instant now) {
    return with(
        c -> {
          c.lastFetchAt = now;
          c.fetchError = message;
          c.refusedCommit = remote;
          c.acceptedCommit = hadAccepted ? null : acceptedCommit;
        });
  }

  /** The sync failed before reaching a commit; {@code now} null when it never ran. */
  WatchState fetchFailed(String message, Instant now) {
    return with(
        c -> {
          c.lastFetchAt = now == null ? lastFetchAt : now;
          c.fetchError = message;
        });
  }

  /** An operator accepted the rewrite to {@code commit}. */
  WatchState acceptRewrite(String commit) {
    return with(c -> c.acceptedCommit = commit);
  }

  /** The rewrite policy the next sync runs with. */
  RewritePolicy rewrites(boolean followForcePush) {
    if (followForcePush) {
      return RewritePolicy.FOLLOW;
    }
    return acceptedCommit == null
        ? RewritePolicy.REFUSE
        : RewritePolicy.refuseExcept(acceptedCommit);
  }

  Dto.ManifestStatus status(GitSource source) {
    return new Dto.ManifestStatus(
        source.redactedUrl(),
        source.branch(),
        inForce == null ? null : inForce.commit(),
        candidate,
        inForce == null ? null : inForce.loadedAt(),
        lastFetchAt,
        fetchError,
        errors,
        inForce == null ? 0 : inForce.tasks().size(),
        files,
        inForce == null ? null : loadedFrom,
        refusedCommit);
  }

  /**
   * Why the rewrite to {@code asked} (a lower-case commit id or prefix) cannot be accepted, or
   * {@code null} when it can: rewrites are followed anyway, the id is malformed, none is waiting,
   * or another one is.
   */
  String whyNotAccept(boolean followForcePush, String asked) {
    if (followForcePush) {
      return "rewrites of the branch are followed (git.on_force_push = \"follow\"): there is nothing"
          + " to accept";
    } else if (!asked.matches("[0-9a-f]{7,40}")) {
      return "name the commit to accept by its id (at least 7 hex digits), got '" + asked + "'";
    } else if (refusedCommit() == null) {
      return "no rewrite of the branch is waiting to be accepted";
    } else if (!refusedCommit().startsWith(asked)) {
      return "the rewrite waiting to be accepted is to " + refusedCommit() + ", not " + asked;
    }
    return null;
  }

  /**
   * The transitions' one shape: a copy of every part, {@code change} replaces some, then the record
   * is built again.
   */
  private WatchState with(java.util.function.Consumer<Parts> change) {
    Parts c = new Parts(this);
    change.accept(c);
    return new WatchState(
        c.inForce,
        c.files,
        c.loadedFrom,
        c.candidate,
        c.errors,
        c.processed,
        c.lastFetchAt,
        c.fetchError,
        c.refusedCommit,
        c.acceptedCommit);
  }

  /** The parts of a {@link WatchState} being changed by a transition. */
  private static final class Parts {
    DesiredState inForce;
    List<String> files;
    String loadedFrom;
    String candidate;
    List<ManifestError> errors;
    String processed;
    Instant lastFetchAt;
    String fetchError;
    String refusedCommit;
    String acceptedCommit;

    Parts(WatchState s) {
      inForce = s.inForce;
      files = s.files;
      loadedFrom = s.loadedFrom;
      candidate = s.candidate;
      errors = s.errors;
      processed = s.processed;
      lastFetchAt = s.lastFetchAt;
      fetchError = s.fetchError;
      refusedCommit = s.refusedCommit;
      acceptedCommit = s.acceptedCommit;
    }
  }
}

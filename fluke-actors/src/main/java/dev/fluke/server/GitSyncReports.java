package dev.fluke.server;

import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.metrics.FlukeMetrics.GitFetchResult;
import dev.fluke.server.ManifestSync.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * What each result of {@link GitWatcher}'s work does (SPEC §4 step 1): the next {@link WatchState}
 * and its effects — a log line and an event when something changes (loaded, rejected whole,
 * rewritten, refused, fetch failed, restored), the {@code fluke_git_*} metrics, a live update for
 * viewers, and the desired state handed to {@code inForce} when a new one comes into force. Owned
 * by the watcher and used on its thread only; the watcher decides what it does next.
 */
final class GitSyncReports {
  private final ServerSettings.Git settings;
  private final EventStore events;
  private final LiveHub hub;
  private final FlukeMetrics metrics;
  private final Clock clock;
  private final Logger log;
  private final Consumer<DesiredState> inForce;

  GitSyncReports(
      ServerSettings.Git settings,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      Clock clock,
      Logger log,
      Consumer<DesiredState> inForce) {
    this.settings = settings;
    this.events = events;
    this.hub = hub;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
    this.inForce = inForce;
  }

  WatchState restored(WatchState state, ManifestSync.Restore restore) {
    if (restore.state() == null) {
      if (restore.problem() != null) {
        log.warn("The last good manifests kept on disk were not restored: {}", restore.problem());
      }
      return state;
    }
    DesiredState restored = restore.state();
    WatchState next = state.restored(restored, restore.files(), restore.repository());
    String what =
        "commit "
            + shortId(restored.commit())
            + " of "
            + restore.repository()
            + " ("
            + count(restored.tasks().size(), "task")
            + ", loaded "
            + restored.loadedAt()
            + ")";
    log.info("Restored the last good manifests: {}; fetching now", what);
    record("restored", "last good manifests restored at start: " + what);
    metrics.snapshotLoaded(restored.loadedAt());
    inForce.accept(next.inForce());
    return next;
  }

  WatchState synced(WatchState state, Outcome outcome) {
    if (outcome instanceof Outcome.Loaded l) {
      return onLoaded(state, l);
    } else if (outcome instanceof Outcome.LoadFailed f) {
      return onLoadFailed(state, f);
    } else if (outcome instanceof Outcome.RewriteRefused r) {
      return onRefused(state, r);
    } else if (outcome instanceof Outcome.FetchFailed f) {
      return onFetchFailed(state, f);
    }
    return onUnchanged(state);
  }

  private WatchState onUnchanged(WatchState state) {
    metrics.gitFetch(GitFetchResult.UNCHANGED);
    WatchState next = state.fetched(clock.instant());
    if (state.fetchError() != null) {
      log.info("Fetching {} works again", settings.source().redactedUrl());
      hub.manifestChanged();
    }
    return next;
  }

  private WatchState onLoaded(WatchState state, Outcome.Loaded l) {
    if (l.rewrittenFrom() != null) {
      followed(l.rewrittenFrom(), l.commit(), state.refusedCommit() != null);
    }
    if (l.snapshotProblem() != null) {
      log.warn("The last good manifests could not be kept on disk: {}", l.snapshotProblem());
    }
    WatchState fetched = state.fetched(clock.instant());
    return l.manifests().ok()
        ? accept(fetched.rewriteDone(l.rewrittenFrom()), l.commit(), l.manifests(), l.loadedAt())
        : reject(
            fetched.rewriteDone(l.rewrittenFrom()),
            l.commit(),
            l.manifests().errors(),
            l.manifests().totalErrors(),
            null);
  }

  private WatchState onLoadFailed(WatchState state, Outcome.LoadFailed f) {
    if (f.rewrittenFrom() != null) {
      followed(f.rewrittenFrom(), f.commit(), state.refusedCommit() != null);
    }
    String message =
        "loading the manifests of commit "
            + f.commit()
            + " failed with an unexpected error ("
            + f.cause()
            + "); the commit is rejected whole. This is a bug in Fluke: please report it with this"
            + " commit";
    return reject(
        state.fetched(clock.instant()).rewriteDone(f.rewrittenFrom()),
        f.commit(),
        List.of(new ManifestError(SourcePos.UNKNOWN, message)),
        1,
        f.cause());
  }

  private WatchState accept(
      WatchState state, String commit, ManifestSet manifests, Instant loadedAt) {
    WatchState next = state.accepted(commit, manifests, settings.source(), loadedAt);
    if (state.inForce() != null
        && state.inForce().commit().equals(commit)
        && state.inForce().tasks().equals(manifests.tasks())) {
      // The restored state, confirmed by Git: nothing changes for the fleet.
      log.info("Manifests of commit {} confirmed by Git", shortId(commit));
      metrics.gitFetch(GitFetchResult.UNCHANGED);
      if (!Objects.equals(state.loadedFrom(), next.loadedFrom()) || state.fetchError() != null) {
        hub.manifestChanged();
      }
      return next.keepLoadedAt(state.inForce());
    }
    String what =
        count(manifests.tasks().size(), "task")
            + " from "
            + count(manifests.files().size(), "file");
    log.info("Manifests of commit {} loaded: {}", shortId(commit), what);
    record("loaded", "commit " + shortId(commit) + ": " + what);
    metrics.gitFetch(GitFetchResult.UPDATED);
    metrics.snapshotLoaded(next.inForce().loadedAt());
    inForce.accept(next.inForce());
    return next;
  }

  /**
   * {@code errors} as kept (the loader keeps the first ones), {@code total} how many there were.
   */
  private WatchState reject(
      WatchState state, String commit, List<ManifestError> errors, int total, String crash) {
    WatchState next = state.rejected(commit, errors);
    String kept =
        state.inForce() == null
            ? "no desired state is in force yet"
            : "commit " + shortId(state.inForce().commit()) + " stays in force";
    if (crash != null) {
      log.error(
          "Manifests of commit {} rejected: loading them failed with {}; {}", commit, crash, kept);
    } else {
      StringBuilder all = new StringBuilder();
      for (ManifestError e : errors) {
        all.append(e.format()).append('\n');
      }
      log.error(
          "Manifests of commit {} rejected ({} errors; {}):\n{}",
          shortId(commit),
          total,
          kept,
          all);
    }
    record(
        "invalid",
        "commit "
            + shortId(commit)
            + " rejected with "
            + count(total, "error")
            + ", first: "
            + errors.get(0).format()
            + "; "
            + kept);
    metrics.gitFetch(GitFetchResult.REJECTED);
    hub.manifestChanged();
    return next;
  }

  private void followed(String from, String to, boolean accepted) {
    String message =
        "branch '"
            + settings.source().branch()
            + "' of "
            + settings.source().redactedUrl()
            + " was rewritten (force push): followed it from "
            + from
            + " to "
            + to
            + (accepted ? " (accepted by an operator)" : "");
    log.warn("Manifest {}", message);
    record("rewritten", message);
  }

  private WatchState onRefused(WatchState state, Outcome.RewriteRefused r) {
    metrics.gitFetch(GitFetchResult.REJECTED);
    String message =
        r.message()
            + " (git.on_force_push = \"refuse\"); the commit in force stays. To follow it: fluke"
            + " accept rewrite "
            + r.remoteCommit()
            + " (or POST /api/v1/manifest/accept {\"commit\":\""
            + r.remoteCommit()
            + "\"})";
    WatchState next =
        state.refused(r.remoteCommit(), message, r.accepted() != null, clock.instant());
    if (!r.remoteCommit().equals(state.refusedCommit())) {
      log.warn("Manifest {}", message);
      record("rewrite_refused", message);
      hub.manifestChanged();
    } else {
      log.debug("Still refusing the rewrite to {}", r.remoteCommit());
    }
    return next;
  }

  private WatchState onFetchFailed(WatchState state, Outcome.FetchFailed f) {
    metrics.gitFetch(GitFetchResult.FAILED);
    WatchState next = state.fetchFailed(f.message(), clock.instant());
    if (!Objects.equals(state.fetchError(), f.message())) {
      log.warn(
          "Fetching {} failed (retried every {}; logged again when the failure changes): {}",
          settings.source().redactedUrl(),
          settings.pollInterval(),
          f.message());
      record("fetch_failed", f.message());
      hub.manifestChanged();
    } else {
      log.debug("Fetching still fails: {}", f.message());
    }
    return next;
  }

  /**
   * An operator accepted the refused rewrite to {@code commit}: logged and recorded; the message.
   */
  String rewriteAccepted(String commit) {
    String message =
        String.format(
            "the rewrite of branch '%s' to %s is accepted: fetching now",
            settings.source().branch(), commit);
    log.info("Manifest {}", message);
    record("rewrite_accepted", message);
    return message;
  }

  void record(String outcome, String message) {
    events.append(Event.manifest(clock.instant(), outcome, message));
  }

  static String shortId(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}

package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.metrics.FlukeMetrics.GitFetchResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Keeps the desired state in step with Git (SPEC §2, §4): syncs the manifest repository on start,
 * every poll interval and on {@link FetchNow}, loads the manifests of each new commit and publishes
 * a {@link DesiredState} to its subscribers. A commit whose manifests have any error is rejected
 * whole: the last good state stays in force and the errors stay visible in {@link
 * Dto.ManifestStatus} until a good commit arrives. Fetch failures are recorded and retried at the
 * next poll.
 *
 * <p>Git and parsing block, so they run on {@code fluke.blocking-dispatcher} and come back with
 * pipeToSelf. One sync is in flight at a time; requests meanwhile coalesce into one more sync.
 *
 * <p>Every fetch is counted by result ({@code fluke_git_fetches_total}), a snapshot coming into
 * force sets {@code fluke_git_snapshot_loaded_timestamp_seconds}, and every change of what {@link
 * GetStatus} shows (a new snapshot, a rejected commit, a fetch error appearing, changing or
 * clearing) is published to live viewers as {@link LiveUpdate#manifestChanged()}.
 */
public final class GitWatcher extends AbstractBehavior<GitWatcher.Command> {

  public sealed interface Command {}

  /** Sync now (the Git push webhook, or an operator). */
  public enum FetchNow implements Command {
    INSTANCE
  }

  /** Receive every new desired state, starting with the one in force (if any). */
  public record Subscribe(ActorRef<DesiredState> subscriber) implements Command {}

  /** Replies with the {@link Dto.ManifestStatus}. */
  public record GetStatus(ActorRef<Dto.ManifestStatus> replyTo) implements Command {}

  private enum PollTick implements Command {
    INSTANCE
  }

  private record Synced(String commit, ManifestSet manifests) implements Command {}

  private record SyncFailed(String message) implements Command {}

  private static final String SYSTEM = "";

  private final ServerSettings.Git settings;
  private final Path checkout;
  private final GitSync git;
  private final ManifestLoader loader;
  private final EventStore events;
  private final LiveHub hub;
  private final FlukeMetrics metrics;
  private final Executor blocking;
  private final Set<ActorRef<DesiredState>> subscribers = new HashSet<>();

  private DesiredState inForce;
  private List<String> filesInForce = List.of();
  private String candidateCommit;
  private List<ManifestError> candidateErrors = List.of();
  private String lastProcessedCommit;
  private Instant lastFetchAt;
  private String fetchError;
  private boolean syncing;
  private boolean syncAgain;

  public static Behavior<Command> create(
      ServerSettings.Git settings,
      Path dataDir,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new GitWatcher(
                        ctx, timers, settings, dataDir, git, loader, events, hub, metrics)));
  }

  private GitWatcher(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ServerSettings.Git settings,
      Path dataDir,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics) {
    super(context);
    this.hub = hub;
    this.metrics = metrics;
    this.settings = settings;
    this.checkout = dataDir.resolve("manifests");
    this.git = git;
    this.loader = loader;
    this.events = events;
    this.blocking =
        context
            .getSystem()
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("fluke.blocking-dispatcher"));
    if (settings.configured()) {
      timers.startTimerWithFixedDelay(PollTick.INSTANCE, settings.pollInterval());
      startSync();
    } else {
      fetchError = "no manifest repository configured";
      context.getLog().warn("No manifest repository configured: the server has no desired state");
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(FetchNow.INSTANCE, this::onSyncRequest)
        .onMessageEquals(PollTick.INSTANCE, this::onSyncRequest)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Synced.class, this::onSynced)
        .onMessage(SyncFailed.class, this::onSyncFailed)
        .build();
  }

  private Behavior<Command> onSyncRequest() {
    if (!settings.configured()) {
      return this;
    }
    if (syncing) {
      syncAgain = true;
    } else {
      startSync();
    }
    return this;
  }

  private void startSync() {
    syncing = true;
    syncAgain = false;
    // Captured now: the blocking task must not read actor state.
    String alreadyProcessed = lastProcessedCommit;
    CompletableFuture<Synced> work =
        CompletableFuture.supplyAsync(() -> syncAndLoad(alreadyProcessed), blocking);
    getContext()
        .pipeToSelf(work, (ok, failure) -> ok != null ? ok : new SyncFailed(describe(failure)));
  }

  // Runs on the blocking dispatcher.
  private Synced syncAndLoad(String alreadyProcessed) {
    String commit;
    try {
      commit = git.sync(settings.source(), checkout);
    } catch (GitSyncException e) {
      throw new CompletionException(e);
    }
    if (commit.equals(alreadyProcessed)) {
      return new Synced(commit, null); // nothing new: no need to parse again
    }
    return new Synced(commit, loader.load(checkout, settings.manifestGlob()));
  }

  private Behavior<Command> onSynced(Synced s) {
    syncing =
        false; // first, so that nothing below can leave the watcher believing a sync is running
    lastFetchAt = Instant.now();
    boolean errorCleared = fetchError != null;
    fetchError = null;
    if (s.manifests() == null) {
      metrics.gitFetch(GitFetchResult.UNCHANGED);
      if (errorCleared) {
        hub.publish(LiveUpdate.manifestChanged());
      }
      return syncFinished();
    }
    lastProcessedCommit = s.commit();
    if (s.manifests().ok()) {
      accept(s.commit(), s.manifests());
    } else {
      reject(s.commit(), s.manifests());
    }
    return syncFinished();
  }

  private void accept(String commit, ManifestSet manifests) {
    inForce = new DesiredState(commit, manifests.tasks(), Instant.now());
    filesInForce = manifests.files();
    candidateCommit = commit;
    candidateErrors = List.of();
    String what =
        count(manifests.tasks().size(), "task")
            + " from "
            + count(manifests.files().size(), "file");
    getContext().getLog().info("Manifests of commit {} loaded: {}", shortId(commit), what);
    record("loaded", "commit " + shortId(commit) + ": " + what);
    metrics.gitFetch(GitFetchResult.UPDATED);
    metrics.snapshotLoaded(inForce.loadedAt());
    hub.publish(LiveUpdate.manifestChanged());
    for (ActorRef<DesiredState> s : subscribers) {
      s.tell(inForce);
    }
  }

  private void reject(String commit, ManifestSet manifests) {
    candidateCommit = commit;
    candidateErrors = manifests.errors();
    String kept =
        inForce == null
            ? "no desired state is in force yet"
            : "commit " + shortId(inForce.commit()) + " stays in force";
    StringBuilder all = new StringBuilder();
    for (ManifestError e : manifests.errors()) {
      all.append(e.format()).append('\n');
    }
    getContext()
        .getLog()
        .error(
            "Manifests of commit {} rejected ({} errors; {}):\n{}",
            shortId(commit),
            manifests.errors().size(),
            kept,
            all);
    record(
        "invalid",
        "commit "
            + shortId(commit)
            + " rejected with "
            + manifests.errors().size()
            + " errors, first: "
            + manifests.errors().get(0).format()
            + "; "
            + kept);
    metrics.gitFetch(GitFetchResult.REJECTED);
    hub.publish(LiveUpdate.manifestChanged());
  }

  private Behavior<Command> onSyncFailed(SyncFailed f) {
    syncing = false;
    lastFetchAt = Instant.now();
    boolean changed = !Objects.equals(fetchError, f.message());
    fetchError = f.message();
    metrics.gitFetch(GitFetchResult.FAILED);
    if (changed) {
      hub.publish(LiveUpdate.manifestChanged());
    }
    getContext()
        .getLog()
        .warn(
            "Fetching {} failed (retried at the next poll): {}",
            settings.source().redactedUrl(),
            f.message());
    record("fetch_failed", f.message());
    return syncFinished();
  }

  private Behavior<Command> syncFinished() {
    if (syncAgain) {
      startSync();
    }
    return this;
  }

  private Behavior<Command> onSubscribe(Subscribe s) {
    subscribers.add(s.subscriber());
    if (inForce != null) {
      s.subscriber().tell(inForce);
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    g.replyTo()
        .tell(
            new Dto.ManifestStatus(
                settings.source().redactedUrl(),
                settings.source().branch(),
                inForce == null ? null : inForce.commit(),
                candidateCommit,
                inForce == null ? null : inForce.loadedAt(),
                lastFetchAt,
                fetchError,
                new ArrayList<>(candidateErrors),
                inForce == null ? 0 : inForce.tasks().size(),
                filesInForce));
    return this;
  }

  private void record(String outcome, String message) {
    events.append(
        new Event(Instant.now(), "manifest", SYSTEM, "", "", outcome, -1, 0, "", message));
  }

  private static String describe(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof GitSyncException) {
      return cause.getMessage();
    }
    return "syncing or loading the manifests failed: " + cause;
  }

  private static String shortId(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}

package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.events.EventStore;
import dev.fluke.git.GitSync;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.server.ManifestSync.Outcome;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Keeps the desired state in step with Git (SPEC §2, §4): syncs the manifest repository on start,
 * every poll interval and on {@link FetchNow}, loads the manifests of each new commit and publishes
 * a {@link DesiredState} to its subscribers. Nothing that happens to the repository, the clone or a
 * commit leaves the server with less than the last good state:
 *
 * <ul>
 *   <li>At start, the manifests of the last good commit kept on disk ({@link ManifestStore}) are
 *       put in force before the first fetch, so a restart, an unreachable remote or a changed URL
 *       keeps them in force until a new good commit loads.
 *   <li>A commit whose manifests have errors, or whose loading throws anything at all, is rejected
 *       whole, once: the candidate is that commit, its errors (or one error naming the commit and
 *       the cause) stay visible in {@link Dto.ManifestStatus}, one {@code invalid} event and one
 *       log line say so, and it is not loaded again on later polls.
 *   <li>A failed fetch is recorded (event and warning when the failure is new or changes) and
 *       retried sooner than the next poll ({@link FetchRetries}), so a server that starts while its
 *       Git host blips is not left without manifests for a whole poll interval.
 *   <li>A branch rewritten upstream (force push) is followed with a {@code rewritten} event and a
 *       log line naming the old and the new commit; with {@code on-force-push = refuse} it is
 *       refused (one {@code rewrite_refused} event) until {@link AcceptRewrite} names its new tip.
 * </ul>
 *
 * <p>Git and parsing block, so they run in {@link ManifestSync} on {@code
 * fluke.blocking-dispatcher} and come back with pipeToSelf. Until the restore at start is done,
 * requests wait in a stash ({@link #restoring}). One sync is in flight at a time ({@link #busy});
 * requests meanwhile coalesce into one more sync. Its status is one immutable {@link WatchState},
 * replaced per message; time comes from the injected {@link Clock}.
 *
 * <p>Every fetch is counted by result ({@code fluke_git_fetches_total}), a snapshot coming into
 * force sets {@code fluke_git_snapshot_loaded_timestamp_seconds}, and every change of what {@link
 * GetStatus} shows is published to live viewers as {@link LiveUpdate#manifestChanged()}.
 */
public final class GitWatcher {

  public sealed interface Command {}

  /** Sync now (the Git push webhook, or an operator). */
  public enum FetchNow implements Command {
    INSTANCE
  }

  /** Receive every new desired state, starting with the one in force (if any). */
  public record Subscribe(ActorRef<DesiredState> subscriber) implements Command {}

  /** Replies with the {@link Dto.ManifestStatus}. */
  public record GetStatus(ActorRef<Dto.ManifestStatus> replyTo) implements Command {}

  /**
   * Accept the refused rewrite whose new tip is {@code commit} (its id or a prefix of at least 7
   * hex digits) and fetch now; replies with {@link Dto.RewriteAccepted}, not accepted when no such
   * rewrite is waiting.
   */
  public record AcceptRewrite(String commit, ActorRef<Dto.RewriteAccepted> replyTo)
      implements Command {}

  private enum PollTick implements Command {
    INSTANCE
  }

  /** The timer key of the retry after a failed fetch (its message is a {@link PollTick}). */
  private enum RetryKey {
    INSTANCE
  }

  private record Restored(ManifestSync.Restore restore) implements Command {}

  private record SyncDone(Outcome outcome) implements Command {}

  /** Requests held while the last good state is restored at start (a few milliseconds). */
  private static final int RESTORE_STASH = 1000;

  private final ActorContext<Command> context;
  private final ServerSettings.Git settings;
  private final ManifestSync sync;
  private final LiveHub hub;
  private final GitSyncReports reports;
  private final Executor blocking;
  private Cancellable waitOnStop;
  private TimerScheduler<Command> timers;
  private final FetchRetries retries;

  private final Set<ActorRef<DesiredState>> subscribers = new HashSet<>();

  /**
   * @param dataDir the server's data dir: clones and the last good manifests live in {@code
   *     <dataDir>/git}
   * @param clock what "now" is for fetch and load times and events
   */
  public static Behavior<Command> create(
      ServerSettings.Git settings,
      Path dataDir,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new GitWatcher(
                            ctx,
                            settings,
                            new ManifestSync(
                                settings, new ManifestStore(dataDir), git, loader, clock),
                            events,
                            hub,
                            metrics,
                            clock)
                        .start(timers, dataDir)));
  }

  private GitWatcher(
      ActorContext<Command> context,
      ServerSettings.Git settings,
      ManifestSync sync,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      Clock clock) {
    this.context = context;
    this.settings = settings;
    this.sync = sync;
    this.hub = hub;
    this.reports =
        new GitSyncReports(settings, events, hub, metrics, clock, context.getLog(), this::publish);
    this.blocking = Blocking.executor(context.getSystem());
    this.retries = new FetchRetries(settings.pollInterval());
  }

  private Behavior<Command> start(TimerScheduler<Command> timers, Path dataDir) {
    // A stopping server waits for the sync in flight: nothing writes into its data dir afterwards.
    waitOnStop =
        sync.closeOnShutdown(context.getSystem(), context.getSelf().path().name(), blocking);
    WatchState initial = WatchState.initial();
    if (!settings.configured()) {
      context.getLog().warn("No manifest repository configured: the server has no desired state");
      return unconfigured(initial.fetchFailed("no manifest repository configured", null));
    }
    ManifestStore.oldCloneNote(dataDir).ifPresent(context.getLog()::info);
    this.timers = timers;
    timers.startTimerWithFixedDelay(PollTick.INSTANCE, settings.pollInterval());
    context.pipeToSelf(
        CompletableFuture.supplyAsync(sync::restore, blocking),
        (r, failure) ->
            new Restored(
                r != null ? r : ManifestSync.Restore.failed("reading it failed: " + failure)));
    return Behaviors.withStash(RESTORE_STASH, stash -> restoring(initial, stash));
  }

  /**
   * At start, until the last good manifests on disk are back in force: every request waits, so no
   * answer ever shows less than the last good state. Then the first sync starts.
   */
  private Behavior<Command> restoring(WatchState state, StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Restored.class, r -> stash.unstashAll(startSync(reports.restored(state, r.restore()))))
        .onMessage(Command.class, c -> hold(stash, c))
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> hold(StashBuffer<Command> stash, Command c) {
    if (!stash.isFull()) {
      stash.stash(c); // beyond the buffer a request is dropped: its asker times out
    }
    return Behaviors.same();
  }

  // --- phases ------------------------------------------------------------------------------

  /** No repository configured: there is nothing to fetch; the status says why. */
  private Behavior<Command> unconfigured(WatchState state) {
    return common(state)
        .onMessage(AcceptRewrite.class, a -> onAccept(state, a, false))
        .onMessage(Command.class, c -> Behaviors.same())
        .build();
  }

  /** No sync in flight. */
  private Behavior<Command> idle(WatchState state) {
    return common(state)
        .onMessageEquals(FetchNow.INSTANCE, () -> startSync(state))
        .onMessageEquals(PollTick.INSTANCE, () -> startSync(state))
        .onMessage(AcceptRewrite.class, a -> onAccept(state, a, false))
        .build();
  }

  /** A restore or sync is in flight; {@code again}: run one more sync when it ends. */
  private Behavior<Command> busy(WatchState state, boolean again) {
    return common(state)
        .onMessageEquals(FetchNow.INSTANCE, () -> busy(state, true))
        .onMessageEquals(PollTick.INSTANCE, () -> busy(state, true))
        .onMessage(AcceptRewrite.class, a -> onAccept(state, a, true))
        .onMessage(SyncDone.class, d -> afterSync(state, d.outcome(), again))
        .build();
  }

  private BehaviorBuilder<Command> common(WatchState state) {
    return Behaviors.receive(Command.class)
        .onMessage(Subscribe.class, s -> onSubscribe(state, s))
        .onMessage(GetStatus.class, g -> onGetStatus(state, g))
        .onSignal(PostStop.class, this::onPostStop);
  }

  /** Stopped before its system (a test's server): its system's shutdown need not wait for it. */
  private Behavior<Command> onPostStop(PostStop signal) {
    if (waitOnStop != null) {
      waitOnStop.cancel();
    }
    return Behaviors.same();
  }

  private Behavior<Command> afterSync(WatchState state, Outcome outcome, boolean again) {
    retries
        .after(outcome)
        .ifPresentOrElse(
            wait -> timers.startSingleTimer(RetryKey.INSTANCE, PollTick.INSTANCE, wait),
            () -> timers.cancel(RetryKey.INSTANCE));
    WatchState next = reports.synced(state, outcome);
    return again ? startSync(next) : idle(next);
  }

  private Behavior<Command> startSync(WatchState state) {
    ManifestSync.Request request =
        new ManifestSync.Request(state.processed(), state.rewrites(settings.followForcePush()));
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> sync.run(request), blocking),
        (outcome, failure) ->
            new SyncDone(
                outcome != null
                    ? outcome
                    : new Outcome.FetchFailed(
                        "syncing the manifests failed unexpectedly: " + failure)));
    return busy(state, false);
  }

  // --- requests ------------------------------------------------------------------------------

  private Behavior<Command> onAccept(WatchState state, AcceptRewrite a, boolean busy) {
    String asked = a.commit() == null ? "" : a.commit().strip().toLowerCase(Locale.ROOT);
    String refused = state.refusedCommit();
    String problem = state.whyNotAccept(settings.followForcePush(), asked);
    if (problem != null) {
      a.replyTo().tell(new Dto.RewriteAccepted(false, problem, asked));
      return Behaviors.same();
    }
    a.replyTo().tell(new Dto.RewriteAccepted(true, reports.rewriteAccepted(refused), refused));
    WatchState next = state.acceptRewrite(refused);
    return busy ? busy(next, true) : startSync(next);
  }

  private Behavior<Command> onSubscribe(WatchState state, Subscribe s) {
    subscribers.add(s.subscriber());
    if (state.inForce() != null) {
      s.subscriber().tell(state.inForce());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onGetStatus(WatchState state, GetStatus g) {
    g.replyTo().tell(state.status(settings.source()));
    return Behaviors.same();
  }

  // --- helpers -------------------------------------------------------------------------------

  private void publish(DesiredState inForce) {
    hub.manifestChanged();
    for (ActorRef<DesiredState> s : subscribers) {
      s.tell(inForce);
    }
  }
}

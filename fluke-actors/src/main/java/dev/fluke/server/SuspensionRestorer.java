package dev.fluke.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A {@link SuspensionKeeper}'s start, as its child: reads what the event store kept ({@link
 * SuspensionStore}; read again with backoff while it cannot be), then in cluster mode asks the
 * other Up members for their {@link SuspensionBook}s ({@link SuspensionPeers}; asked again with
 * backoff, at most {@link #LEARN_BACKOFF_MAX} apart, until every one answered) and merges them with
 * what the store held. Meanwhile {@link Suspensions} holds every apply back (fail closed), and
 * other nodes' questions are answered with what is known so far: nothing that counts before the
 * store is read, the store's book after, so that nodes that start together do not wait for each
 * other. It tells the keeper the book in force ({@link SuspensionKeeper.Restored}) once, and stops.
 */
final class SuspensionRestorer {
  sealed interface Command {}

  /** Another node's question, handed over by the keeper while it starts. */
  record Ask(SuspensionKeeper.GetBook question) implements Command {}

  private record Loaded(SuspensionBook kept, Throwable failure) implements Command {}

  private record Learned(List<SuspensionBook> books, Throwable failure) implements Command {}

  private enum Retry implements Command {
    LOAD,
    LEARN
  }

  /** Learning from the other nodes is asked again at most this far apart. */
  static final Duration LEARN_BACKOFF_MAX = Duration.ofSeconds(5);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final SuspensionStore store;
  private final SuspensionPeers peers;
  private final Suspensions registry;
  private final ActorRef<SuspensionKeeper.Command> keeper;
  private int failures;

  static Behavior<Command> create(
      ServerSettings settings,
      SuspensionStore store,
      SuspensionPeers peers,
      Suspensions registry,
      ActorRef<SuspensionKeeper.Command> keeper) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new SuspensionRestorer(ctx, timers, settings, store, peers, registry, keeper)
                        .load()));
  }

  private SuspensionRestorer(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ServerSettings settings,
      SuspensionStore store,
      SuspensionPeers peers,
      Suspensions registry,
      ActorRef<SuspensionKeeper.Command> keeper) {
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.store = store;
    this.peers = peers;
    this.registry = registry;
    this.keeper = keeper;
  }

  // ---- loading: the event store ----

  private Behavior<Command> load() {
    context.pipeToSelf(store.load(), Loaded::new);
    return Behaviors.receive(Command.class)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(Retry.class, r -> load())
        .onMessage(Ask.class, a -> answer(a, SuspensionBook.notLoaded()))
        .build();
  }

  private Behavior<Command> onLoaded(Loaded l) {
    if (l.failure() != null) {
      return retry(
          Retry.LOAD,
          settings.supervision().restartMax(),
          "Cannot restore the suspensions from the event store ({}); nothing is applied until"
              + " they are; retrying in {}",
          l.failure());
    }
    if (!l.kept().suspensions().isEmpty()) {
      context
          .getLog()
          .info("Restored {} suspension(s) from the event store", l.kept().suspensions().size());
    }
    if (peers == null) {
      keeper.tell(new SuspensionKeeper.Restored(l.kept(), false));
      return Behaviors.stopped();
    }
    failures = 0;
    registry.learning();
    return learn(l.kept());
  }

  // ---- learning (cluster mode): the other nodes ----

  private Behavior<Command> learn(SuspensionBook own) {
    context.pipeToSelf(peers.books(), Learned::new);
    return Behaviors.receive(Command.class)
        .onMessage(Learned.class, l -> onLearned(l, own))
        .onMessage(Retry.class, r -> learn(own))
        .onMessage(Ask.class, a -> answer(a, own))
        .build();
  }

  private Behavior<Command> onLearned(Learned l, SuspensionBook own) {
    if (l.failure() != null) {
      Duration max = settings.supervision().restartMax();
      return retry(
          Retry.LEARN,
          max.compareTo(LEARN_BACKOFF_MAX) < 0 ? max : LEARN_BACKOFF_MAX,
          "Cannot learn the suspensions in force from the other cluster nodes yet ({}); nothing"
              + " is applied until this node has; asking again in {}",
          l.failure());
    }
    List<SuspensionBook> all = new ArrayList<>(l.books());
    all.add(own);
    SuspensionBook merged = SuspensionBook.merge(all);
    context
        .getLog()
        .info(
            "Learned the suspensions in force from {} other node(s): {} in force ({} in this"
                + " node's store)",
            l.books().size(),
            merged.suspensions().size(),
            own.suspensions().size());
    keeper.tell(new SuspensionKeeper.Restored(merged, true));
    return Behaviors.stopped();
  }

  // ---- helpers ----

  private Behavior<Command> retry(Retry what, Duration max, String warning, Throwable failure) {
    Duration delay = Backoff.delay(++failures, settings.supervision().restartMin(), max);
    context.getLog().warn(warning, describe(failure), delay);
    timers.startSingleTimer(what, delay);
    return Behaviors.same();
  }

  private static Behavior<Command> answer(Ask a, SuspensionBook book) {
    a.question().replyTo().tell(book);
    return Behaviors.same();
  }

  private static String describe(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }
}

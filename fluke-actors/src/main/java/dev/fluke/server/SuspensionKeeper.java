package dev.fluke.server;

import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns the fleet's suspensions (issue 10): suspends and resumes scopes, records each change as an
 * event with who and why, ends suspensions when their expiry comes (a timer on the injected clock's
 * time), keeps them in the event store when it is durable ({@link SuspensionStore}) and restores
 * them from it on start. What is in force is published to {@link Suspensions}, which every agent's
 * runner reads; when a suspension ends, the {@link AgentRegistry} starts a cycle on the agents it
 * covered.
 *
 * <p>Phases: {@code starting} (its child {@link SuspensionRestorer} reads the store and, in cluster
 * mode, learns what the other nodes hold; requests wait in a stash, other nodes' {@link GetBook} is
 * handed to the child, and the registry holds every apply back meanwhile) and {@code ready}, which
 * also remembers the recent lifts (resumes and expiries) for the other nodes' books.
 */
public final class SuspensionKeeper {

  public sealed interface Command {}

  /** Suspends a scope (replacing its suspension if any); replies with the change. */
  public record Suspend(
      TargetKind scope,
      String name,
      String by,
      String reason,
      Duration forHowLong,
      ActorRef<Suspension.Change> replyTo)
      implements Command {}

  /** Resumes a scope; replies {@code done=false} when it was not suspended. */
  public record Resume(
      TargetKind scope, String name, String by, ActorRef<Suspension.Change> replyTo)
      implements Command {}

  /** Replies with every suspension in force. */
  public record GetAll(ActorRef<List<Suspension>> replyTo) implements Command {}

  /** Another node asks what this one knows (cluster mode, {@link SuspensionPeers}). */
  public record GetBook(ActorRef<SuspensionBook> replyTo) implements Command, CborSerializable {}

  /**
   * From the {@link SuspensionRestorer}: {@code book} is in force; {@code learned}: merged with the
   * other nodes' books (saved, and the agents whose applies were held back meanwhile check again).
   */
  record Restored(SuspensionBook book, boolean learned) implements Command {}

  private record Expire(String key, Instant until) implements Command {}

  private record Saved(Throwable failure) implements Command {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final Suspensions registry;
  private final EventStore events;
  private final SuspensionStore store;
  private final ActorRef<AgentRegistry.Command> agents;
  private final SuspensionPeers peers;
  private final RecentLifts lifts = new RecentLifts();

  /** A single server's keeper. */
  public static Behavior<Command> create(
      ServerSettings settings,
      Suspensions registry,
      EventStore events,
      ActorRef<AgentRegistry.Command> agents) {
    return create(settings, registry, events, agents, null);
  }

  /**
   * @param peers the other cluster nodes' keepers, asked before this one is ready; null on a single
   *     server
   */
  public static Behavior<Command> create(
      ServerSettings settings,
      Suspensions registry,
      EventStore events,
      ActorRef<AgentRegistry.Command> agents,
      SuspensionPeers peers) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    Behaviors.withStash(
                        1000,
                        stash -> {
                          if (peers != null) {
                            peers.announce(ctx.getSelf());
                          }
                          return new SuspensionKeeper(
                                  ctx, timers, settings, registry, events, agents, peers)
                              .start(stash);
                        })));
  }

  private SuspensionKeeper(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ServerSettings settings,
      Suspensions registry,
      EventStore events,
      ActorRef<AgentRegistry.Command> agents,
      SuspensionPeers peers) {
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.registry = registry;
    this.events = events;
    this.store = new SuspensionStore(events);
    this.agents = agents;
    this.peers = peers;
  }

  // ---- starting ----

  private Behavior<Command> start(StashBuffer<Command> stash) {
    ActorRef<SuspensionRestorer.Command> restorer =
        context.spawn(
            SuspensionRestorer.create(settings, store, peers, registry, context.getSelf()),
            "restore");
    return Behaviors.receive(Command.class)
        .onMessage(Restored.class, r -> onRestored(r, stash))
        .onMessage(
            GetBook.class,
            g -> {
              restorer.tell(new SuspensionRestorer.Ask(g));
              return Behaviors.same();
            })
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> onRestored(Restored r, StashBuffer<Command> stash) {
    Instant now = settings.now();
    registry.restored(r.book().suspensions());
    r.book().suspensions().forEach(s -> scheduleExpiry(s, now));
    lifts.restore(r.book().lifts());
    Set<String> held = registry.takeHeldWhileWaiting();
    if (r.learned()) {
      save();
      // Agents that registered meanwhile and had an apply held back check again now.
      held.forEach(a -> agents.tell(new AgentRegistry.SuspensionLifted(TargetKind.AGENT, a)));
    }
    return stash.unstashAll(ready());
  }

  // ---- ready ----

  private Behavior<Command> ready() {
    return Behaviors.receive(Command.class)
        .onMessage(Suspend.class, this::onSuspend)
        .onMessage(Resume.class, this::onResume)
        .onMessage(GetAll.class, this::onGetAll)
        .onMessage(GetBook.class, this::onGetBook)
        .onMessage(Expire.class, this::onExpire)
        .onMessage(Saved.class, this::onSaved)
        .build();
  }

  private Behavior<Command> onSuspend(Suspend s) {
    Instant now = settings.now();
    Suspension made =
        new Suspension(
            s.scope(),
            s.scope() == TargetKind.ALL ? null : s.name(),
            s.by(),
            s.reason(),
            now,
            s.forHowLong() == null ? null : now.plus(s.forHowLong()));
    boolean replaced = registry.of(made.scope(), made.name(), now) != null;
    registry.put(made);
    lifts.suspended(made.key());
    scheduleExpiry(made, now);
    record(made, "suspended", made.describe());
    save();
    s.replyTo()
        .tell(
            new Suspension.Change(
                true, (replaced ? "suspension replaced: " : "") + made.describe(), made));
    return Behaviors.same();
  }

  private Behavior<Command> onResume(Resume r) {
    Instant now = settings.now();
    String name = r.scope() == TargetKind.ALL ? null : r.name();
    Suspension current = registry.of(r.scope(), name, now);
    if (current == null) {
      String scope = r.scope() == TargetKind.ALL ? "the fleet" : r.scope().word() + " " + name;
      r.replyTo().tell(new Suspension.Change(false, scope + " is not suspended", null));
      return Behaviors.same();
    }
    String resumed = current.scopeText() + " resumed by " + r.by();
    lift(current, "resumed", resumed);
    r.replyTo().tell(new Suspension.Change(true, resumed, current));
    return Behaviors.same();
  }

  private Behavior<Command> onExpire(Expire e) {
    Instant now = settings.now();
    Suspension current = registry.get(e.key());
    if (current == null || !e.until().equals(current.until())) {
      return Behaviors.same(); // resumed or replaced meanwhile
    }
    if (now.isBefore(current.until())) {
      // The timer ran early against the clock (it may be moved by hand): wait for the rest.
      timers.startSingleTimer(e.key(), e, Duration.between(now, current.until()));
      return Behaviors.same();
    }
    lift(
        current,
        "expired",
        current.scopeText() + " resumed: its suspension by " + current.by() + " expired");
    return Behaviors.same();
  }

  private Behavior<Command> onGetAll(GetAll g) {
    g.replyTo().tell(registry.all(settings.now()));
    return Behaviors.same();
  }

  private Behavior<Command> onGetBook(GetBook g) {
    g.replyTo().tell(book(settings.now()));
    return Behaviors.same();
  }

  private Behavior<Command> onSaved(Saved s) {
    if (s.failure() != null) {
      context
          .getLog()
          .warn(
              "Could not keep the suspensions in the event store ({}): they are in force, but a"
                  + " restart now would lose this change",
              s.failure().toString());
    }
    return Behaviors.same();
  }

  // ---- helpers ----

  /** What this node knows: the suspensions in force at {@code at}, the lifts newest first. */
  private SuspensionBook book(Instant at) {
    return new SuspensionBook(registry.all(at), lifts.newestFirst(), true);
  }

  private void lift(Suspension s, String outcome, String message) {
    timers.cancel(s.key());
    registry.remove(s.key());
    lifts.lifted(s.key(), settings.now());
    record(s, outcome, message);
    save();
    agents.tell(new AgentRegistry.SuspensionLifted(s.scope(), s.name()));
  }

  private void scheduleExpiry(Suspension s, Instant now) {
    if (s.until() == null) {
      timers.cancel(s.key());
      return;
    }
    Duration left = Duration.between(now, s.until());
    timers.startSingleTimer(
        s.key(), new Expire(s.key(), s.until()), left.isNegative() ? Duration.ZERO : left);
  }

  private void record(Suspension s, String outcome, String message) {
    String agent = s.scope() == TargetKind.AGENT ? s.name() : "";
    String task = s.scope() == TargetKind.TASK ? s.name() : "";
    events.append(Event.suspension(settings.now(), agent, task, outcome, message));
  }

  private void save() {
    // Instant.MIN: every suspension, also one whose expiry has come but whose timer has not run.
    context.pipeToSelf(store.save(book(Instant.MIN)), (ok, failure) -> new Saved(failure));
  }
}

package dev.fluke.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.cluster.CborSerializable;
import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns the fleet's suspensions (issue 10): suspends and resumes scopes, records each change as an
 * event with who and why, ends suspensions when their expiry comes (a timer on the injected clock's
 * time), keeps them in the event store when it is durable (Redis: {@code
 * <prefix>:state:suspensions}) and restores them from it on start. What is in force is published to
 * {@link Suspensions}, which every agent's runner reads; when a suspension ends, the {@link
 * AgentRegistry} starts a cycle on the agents it covered.
 *
 * <p>Phases: {@code restoring} (requests wait in a stash; the store is retried with backoff while
 * it cannot be read, and the registry holds every apply back meanwhile), in cluster mode {@code
 * learning} (the other Up members are asked for their {@link SuspensionBook}s through {@link
 * SuspensionPeers} and merged with what the store held; asked again with backoff until every one
 * answers, applies still held back) and {@code ready}. Other nodes' {@link GetBook} is answered in
 * every phase, so that nodes that start together do not wait for each other.
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

  private record Learned(List<SuspensionBook> books, Throwable failure) implements Command {}

  private enum RetryLearn implements Command {
    INSTANCE
  }

  private record Loaded(Optional<String> json, Throwable failure) implements Command {}

  private enum RetryLoad implements Command {
    INSTANCE
  }

  private record Expire(String key, Instant until) implements Command {}

  private record Saved(Throwable failure) implements Command {}

  static final String STATE_NAME = "suspensions";

  /** Learning from the other nodes is asked again at most this far apart. */
  private static final Duration LEARN_BACKOFF_MAX = Duration.ofSeconds(5);

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final Suspensions registry;
  private final EventStore events;
  private final ActorRef<AgentRegistry.Command> agents;
  private final SuspensionPeers peers;
  private final Map<String, Instant> lifts = new LinkedHashMap<>();
  private int loadFailures;
  private int learnFailures;

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
                              .load(stash);
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
    this.agents = agents;
    this.peers = peers;
  }

  // ---- restoring ----

  private Behavior<Command> load(StashBuffer<Command> stash) {
    context.pipeToSelf(events.loadState(STATE_NAME), Loaded::new);
    return restoring(stash);
  }

  private Behavior<Command> restoring(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(Loaded.class, l -> onLoaded(l, stash))
        .onMessage(RetryLoad.class, r -> load(stash))
        .onMessage(Saved.class, this::onSaved)
        .onMessage(GetBook.class, g -> answer(g, SuspensionBook.notLoaded()))
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> onLoaded(Loaded l, StashBuffer<Command> stash) {
    List<Suspension> list;
    try {
      if (l.failure() != null) {
        throw l.failure();
      }
      list =
          l.json().isEmpty()
              ? List.of()
              : JSON.readValue(l.json().get(), new TypeReference<List<Suspension>>() {});
    } catch (Throwable failure) {
      Duration delay =
          Backoff.delay(
              ++loadFailures,
              settings.supervision().restartMin(),
              settings.supervision().restartMax());
      context
          .getLog()
          .warn(
              "Cannot restore the suspensions from the event store ({}); nothing is applied until"
                  + " they are; retrying in {}",
              failure.toString(),
              delay);
      timers.startSingleTimer(RetryLoad.INSTANCE, delay);
      return Behaviors.same();
    }
    if (!list.isEmpty()) {
      context.getLog().info("Restored {} suspension(s) from the event store", list.size());
    }
    if (peers == null) {
      return known(list, stash);
    }
    registry.learning();
    return learn(new SuspensionBook(list, List.of(), true), stash);
  }

  private Behavior<Command> known(List<Suspension> list, StashBuffer<Command> stash) {
    Instant now = settings.now();
    registry.restored(list);
    for (Suspension s : list) {
      scheduleExpiry(s, now);
    }
    return stash.unstashAll(ready());
  }

  // ---- learning (cluster mode) ----

  private Behavior<Command> learn(SuspensionBook own, StashBuffer<Command> stash) {
    context.pipeToSelf(peers.books(), Learned::new);
    return Behaviors.receive(Command.class)
        .onMessage(Learned.class, l -> onLearned(l, own, stash))
        .onMessage(RetryLearn.class, r -> learn(own, stash))
        .onMessage(Saved.class, this::onSaved)
        .onMessage(GetBook.class, g -> answer(g, own))
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> onLearned(Learned l, SuspensionBook own, StashBuffer<Command> stash) {
    if (l.failure() != null) {
      Duration delay =
          Backoff.delay(
              ++learnFailures,
              settings.supervision().restartMin(),
              min(settings.supervision().restartMax(), LEARN_BACKOFF_MAX));
      context
          .getLog()
          .warn(
              "Cannot learn the suspensions in force from the other cluster nodes yet ({});"
                  + " nothing is applied until this node has; asking again in {}",
              describe(l.failure()),
              delay);
      timers.startSingleTimer(RetryLearn.INSTANCE, delay);
      return Behaviors.same();
    }
    List<SuspensionBook> all = new ArrayList<>(l.books());
    all.add(own);
    SuspensionBook merged = SuspensionBook.merge(all);
    merged.lifts().forEach(x -> lifts.put(x.key(), x.at()));
    context
        .getLog()
        .info(
            "Learned the suspensions in force from {} other node(s): {} in force ({} from this"
                + " node's store)",
            l.books().size(),
            merged.suspensions().size(),
            own.suspensions().size());
    Behavior<Command> next = known(merged.suspensions(), stash);
    if (!merged.suspensions().equals(own.suspensions())) {
      save();
    }
    // Agents that registered meanwhile had their applies held back: they check again now.
    agents.tell(new AgentRegistry.SuspensionLifted(TargetKind.ALL, null));
    return next;
  }

  // ---- ready ----

  private Behavior<Command> ready() {
    return Behaviors.receive(Command.class)
        .onMessage(Suspend.class, this::onSuspend)
        .onMessage(Resume.class, this::onResume)
        .onMessage(GetAll.class, this::onGetAll)
        .onMessage(GetBook.class, g -> answer(g, book()))
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
    lifts.remove(made.key());
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
    lift(current, "resumed", current.scopeText() + " resumed by " + r.by());
    r.replyTo()
        .tell(new Suspension.Change(true, current.scopeText() + " resumed by " + r.by(), current));
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

  private Behavior<Command> answer(GetBook g, SuspensionBook book) {
    g.replyTo().tell(book);
    return Behaviors.same();
  }

  /** What this node knows, for another node. */
  private SuspensionBook book() {
    List<SuspensionBook.Lift> known = new ArrayList<>();
    lifts.forEach((key, at) -> known.add(new SuspensionBook.Lift(key, at)));
    Collections.reverse(known);
    return new SuspensionBook(registry.all(settings.now()), known, true);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String describe(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }

  private void lift(Suspension s, String outcome, String message) {
    timers.cancel(s.key());
    registry.remove(s.key());
    lifts.remove(s.key());
    lifts.put(s.key(), settings.now()); // newest last
    if (lifts.size() > SuspensionBook.MAX_LIFTS) {
      lifts.remove(lifts.keySet().iterator().next());
    }
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
    if (!events.durableState()) {
      return;
    }
    String json;
    try {
      json = JSON.writeValueAsString(registry.all(Instant.MIN));
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the suspensions as JSON", e);
    }
    context.pipeToSelf(events.saveState(STATE_NAME, json), (ok, failure) -> new Saved(failure));
  }
}

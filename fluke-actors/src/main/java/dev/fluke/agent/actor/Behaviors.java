package dev.fluke.agent.actor;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/** Factories of {@link Behavior}s, named as Pekko Typed names them. */
public final class Behaviors {
  private static final Behavior<?> SAME = new Behavior.Marker<>("same");
  private static final Behavior<?> STOPPED = new Behavior.Marker<>("stopped");
  private static final Behavior<?> EMPTY = new Behavior.Receive<>(List.of(), List.of());

  private Behaviors() {}

  /** Keep the current behavior. */
  @SuppressWarnings("unchecked")
  public static <T> Behavior<T> same() {
    return (Behavior<T>) SAME;
  }

  /** Stop the actor (its children first, then {@link PostStop}). */
  @SuppressWarnings("unchecked")
  public static <T> Behavior<T> stopped() {
    return (Behavior<T>) STOPPED;
  }

  /** Ignores every message. */
  @SuppressWarnings("unchecked")
  public static <T> Behavior<T> empty() {
    return (Behavior<T>) EMPTY;
  }

  /** Made on the actor's own turn when it starts, and again when it restarts. */
  public static <T> Behavior<T> setup(Function<ActorContext<T>, Behavior<T>> factory) {
    return new Behavior.Setup<>(factory);
  }

  public static <T> BehaviorBuilder<T> receive(Class<T> type) {
    return new BehaviorBuilder<>();
  }

  /** {@link #setup} with the actor's timers. */
  public static <T> Behavior<T> withTimers(Function<TimerScheduler<T>, Behavior<T>> factory) {
    return setup(ctx -> factory.apply(((Cell<T>) ctx).timers()));
  }

  /** {@link #setup} with a buffer of up to {@code capacity} messages to handle later. */
  public static <T> Behavior<T> withStash(
      int capacity, Function<StashBuffer<T>, Behavior<T>> factory) {
    return setup(ctx -> factory.apply(new StashBuffer<>((Cell<T>) ctx, capacity)));
  }

  /**
   * Spawn {@code behavior} with {@code before} seeing each of its messages first, whatever phase it
   * is in (tests use it to make an actor fail as a bug would: an exception {@code before} throws is
   * the actor's failure). Not combined with {@link #supervise}.
   */
  public static <T> Behavior<T> intercept(Consumer<T> before, Behavior<T> behavior) {
    return new Behavior.Intercepted<>(behavior, before);
  }

  /** Spawn {@code behavior} with a supervisor strategy: {@code supervise(b).onFailure(s)}. */
  public static <T> Supervise<T> supervise(Behavior<T> behavior) {
    return new Supervise<>(behavior);
  }

  public static final class Supervise<T> {
    private final Behavior<T> behavior;

    private Supervise(Behavior<T> behavior) {
      this.behavior = behavior;
    }

    public Behavior<T> onFailure(SupervisorStrategy strategy) {
      return new Behavior.Supervised<>(behavior, strategy);
    }
  }
}

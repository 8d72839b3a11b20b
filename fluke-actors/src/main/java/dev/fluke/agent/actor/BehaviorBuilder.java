package dev.fluke.agent.actor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Builds a behavior from one handler per message class (first match wins) and per signal. */
public final class BehaviorBuilder<T> {
  private final List<Behavior.Receive.Case> messages = new ArrayList<>();
  private final List<Behavior.Receive.Case> signals = new ArrayList<>();

  BehaviorBuilder() {}

  @SuppressWarnings("unchecked")
  public <M extends T> BehaviorBuilder<T> onMessage(
      Class<M> type, Function<M, Behavior<T>> handler) {
    messages.add(new Behavior.Receive.Case(type, m -> handler.apply((M) m)));
    return this;
  }

  /** Any message no earlier case took. */
  @SuppressWarnings("unchecked")
  public BehaviorBuilder<T> onAnyMessage(Function<T, Behavior<T>> handler) {
    messages.add(new Behavior.Receive.Case(Object.class, m -> handler.apply((T) m)));
    return this;
  }

  @SuppressWarnings("unchecked")
  public <S extends Signal> BehaviorBuilder<T> onSignal(
      Class<S> type, Function<S, Behavior<T>> handler) {
    signals.add(new Behavior.Receive.Case(type, s -> handler.apply((S) s)));
    return this;
  }

  public Behavior<T> build() {
    return new Behavior.Receive<>(messages, signals);
  }
}

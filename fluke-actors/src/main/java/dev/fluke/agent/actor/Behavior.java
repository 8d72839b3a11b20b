package dev.fluke.agent.actor;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How an actor handles its next message: made with {@link Behaviors} (and {@link BehaviorBuilder}).
 * A handler returns the behavior for the message after: {@link Behaviors#same}, {@link
 * Behaviors#stopped} or a new one (a phase).
 */
public abstract sealed class Behavior<T>
    permits Behavior.Marker,
        Behavior.Setup,
        Behavior.Receive,
        Behavior.Supervised,
        Behavior.Intercepted {

  Behavior() {}

  /** same, stopped, empty. */
  static final class Marker<T> extends Behavior<T> {
    private final String name;

    Marker(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Made when the actor starts (or restarts), on its own turn. */
  static final class Setup<T> extends Behavior<T> {
    final Function<ActorContext<T>, Behavior<T>> factory;

    Setup(Function<ActorContext<T>, Behavior<T>> factory) {
      this.factory = factory;
    }
  }

  /** Handlers by message class, first match wins; signals likewise. */
  static final class Receive<T> extends Behavior<T> {
    record Case(Class<?> type, Function<Object, ?> handler) {}

    final List<Case> messages;
    final List<Case> signals;

    Receive(List<Case> messages, List<Case> signals) {
      this.messages = List.copyOf(messages);
      this.signals = List.copyOf(signals);
    }

    @SuppressWarnings("unchecked")
    Behavior<T> receive(Object message) {
      return pick(messages, message);
    }

    @SuppressWarnings("unchecked")
    Behavior<T> signal(Signal signal) {
      return pick(signals, signal);
    }

    @SuppressWarnings("unchecked")
    private Behavior<T> pick(List<Case> cases, Object m) {
      for (Case c : cases) {
        if (c.type().isInstance(m)) {
          return (Behavior<T>) c.handler().apply(m);
        }
      }
      return Behaviors.same(); // unhandled
    }
  }

  /** The behavior an actor is spawned with, and what to do when it fails. */
  static final class Supervised<T> extends Behavior<T> {
    final Behavior<T> inner;
    final SupervisorStrategy strategy;

    Supervised(Behavior<T> inner, SupervisorStrategy strategy) {
      this.inner = inner;
      this.strategy = strategy;
    }
  }

  /** The behavior an actor is spawned with, and what sees each message before it. */
  static final class Intercepted<T> extends Behavior<T> {
    final Behavior<T> inner;
    final Consumer<T> before;

    Intercepted(Behavior<T> inner, Consumer<T> before) {
      this.inner = inner;
      this.before = before;
    }
  }
}

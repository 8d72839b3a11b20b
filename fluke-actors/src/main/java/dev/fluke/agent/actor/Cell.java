package dev.fluke.agent.actor;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One actor: its {@link Mailbox}, its behavior, children, timers and supervision. The reference and
 * the context in one object; everything but {@link #tell} runs on the actor's turn.
 */
final class Cell<T> implements ActorRef<T>, ActorContext<T> {
  private static final Object NOT_WATCHED = new Object();

  // ---- what the runtime puts in the mailbox besides messages ----
  private enum Lifecycle {
    START,
    STOP,
    RESTART
  }

  private record ChildStopped(Cell<?> child) {}

  /** A message made on the actor's turn (an adapter's, a completed stage's). */
  private record Adapted<T>(Supplier<T> message) {}

  private final Actors system;
  private final Cell<?> parent;
  private final String path;
  private final Mailbox mailbox;

  // ---- touched on the actor's turn only ----
  private final Behavior<T> initial;
  private final SupervisorStrategy strategy; // null: stop on failure
  private final Consumer<Object> before; // sees each message first; null: nothing does
  private Behavior<T> current = Behaviors.empty();
  private Logger log;
  private final Map<Cell<?>, Object> children = new LinkedHashMap<>();
  private final TimerScheduler<T> timers = new TimerScheduler<>(this);
  private boolean stopping;
  private ArrayDeque<Object> backingOff; // non-null while waiting to restart
  private int failuresInARow;
  private long startedNanos;

  @SuppressWarnings("unchecked")
  Cell(Actors system, Cell<?> parent, String path, Behavior<T> behavior) {
    this.system = system;
    this.parent = parent;
    this.path = path;
    this.mailbox = new Mailbox(system.executor(), this::handle);
    if (behavior instanceof Behavior.Supervised<T> s) {
      this.initial = s.inner;
      this.strategy = s.strategy;
      this.before = null;
    } else if (behavior instanceof Behavior.Intercepted<T> i) {
      this.initial = i.inner;
      this.strategy = null;
      this.before = m -> i.before.accept((T) m);
    } else {
      this.initial = behavior;
      this.strategy = null;
      this.before = null;
    }
    this.log = LoggerFactory.getLogger(Cell.class);
  }

  /** Starts the actor (once it is registered with its parent or the system). */
  Cell<T> begin() {
    enqueue(Lifecycle.START);
    return this;
  }

  Actors system() {
    return system;
  }

  TimerScheduler<T> timers() {
    return timers;
  }

  boolean isTerminated() {
    return mailbox.isClosed();
  }

  void stopFromOutside() {
    enqueue(Lifecycle.STOP);
  }

  // ---- ActorRef ----

  @Override
  public void tell(T message) {
    enqueue(message);
  }

  void enqueue(Object message) {
    mailbox.add(message);
  }

  @Override
  public String toString() {
    return "Actor[" + path + "]";
  }

  // ---- a turn ----

  @SuppressWarnings("unchecked")
  private void handle(Object m) {
    if (m instanceof Lifecycle l) {
      switch (l) {
        case START -> start();
        case STOP -> beginStop();
        case RESTART -> restart();
      }
    } else if (m instanceof ChildStopped c) {
      Object watch = children.remove(c.child());
      if (stopping) {
        if (children.isEmpty()) {
          finishStop();
        }
      } else if (watch != null && watch != NOT_WATCHED) {
        receive(watch);
      }
    } else if (m instanceof TimerScheduler.Fired f) {
      if (!stopping) {
        Object message = timers.fired(f);
        if (message != null) {
          receive(message);
        }
      }
    } else {
      receive(m);
    }
  }

  /** A message for the behavior (kept while waiting to restart, dropped while stopping). */
  private void receive(Object m) {
    if (stopping) {
      return;
    }
    if (backingOff != null) {
      if (backingOff.size() < SupervisorStrategy.BACKOFF_BUFFER) {
        backingOff.add(m);
      } else {
        log.warn("{} waits to restart and keeps no more messages; dropping {}", path, m);
      }
      return;
    }
    handleNow(m);
  }

  void handleNow(Object message) {
    if (stopping || backingOff != null) {
      return;
    }
    guarded(
        () -> {
          Object m = message instanceof Adapted<?> a ? a.message().get() : message;
          if (before != null) {
            before.accept(m);
          }
          if (current instanceof Behavior.Receive<T> r) {
            become(r.receive(m));
          }
        });
  }

  /** Runs the behavior's code; what it throws is the actor's failure, as Pekko counts them. */
  private void guarded(Runnable behaviorCode) {
    try {
      behaviorCode.run();
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable e) { // a bug in the behavior (non-fatal)
      failed(e);
    }
  }

  /** Makes {@code next} the behavior (running setups), or stops; same keeps the current one. */
  void become(Behavior<T> next) {
    Behavior<T> b = next;
    while (b instanceof Behavior.Setup<T> s) {
      b = s.factory.apply(this);
    }
    if (b == Behaviors.<T>stopped()) {
      beginStop();
    } else if (b instanceof Behavior.Receive<T>) {
      current = b;
    } else if (b instanceof Behavior.Supervised<T> || b instanceof Behavior.Intercepted<T>) {
      throw new IllegalArgumentException(
          "supervise and intercept apply to the behavior an actor is spawned with");
    } // else same
  }

  private void start() {
    startedNanos = System.nanoTime();
    guarded(
        () -> {
          if (initial == Behaviors.<T>same()) {
            throw new IllegalArgumentException("an actor cannot start with Behaviors.same()");
          }
          become(initial);
        });
  }

  private void signal(Signal s) {
    if (current instanceof Behavior.Receive<T> r) {
      try {
        r.signal(s);
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable e) {
        log.error("{} failed on {}", path, s, e);
      }
    }
  }

  // ---- failure ----

  private void failed(Throwable e) {
    if (strategy == null || stopping) {
      log.error("{} failed and stops", path, e);
      beginStop();
      return;
    }
    if (System.nanoTime() - startedNanos > strategy.max().toNanos()) {
      failuresInARow = 0;
    }
    failuresInARow++;
    Duration delay = strategy.delay(failuresInARow, ThreadLocalRandom.current().nextDouble());
    log.error("{} failed; restarting it in {} ms", path, delay.toMillis(), e);
    // The restart is due from now, whatever the signal's handler does (or however long it takes).
    system.scheduler().scheduleOnce(delay, () -> enqueue(Lifecycle.RESTART));
    backingOff = new ArrayDeque<>();
    signal(PreRestart.INSTANCE);
    timers.cancelAll();
    children.replaceAll((child, watch) -> NOT_WATCHED);
    children.keySet().forEach(Cell::stopFromOutside);
    current = Behaviors.empty();
  }

  private void restart() {
    ArrayDeque<Object> kept = backingOff;
    if (kept == null || stopping) {
      return;
    }
    backingOff = null;
    start();
    while (backingOff == null && !stopping && !kept.isEmpty()) {
      handleNow(kept.poll());
    }
    if (backingOff != null) {
      backingOff.addAll(kept);
    }
  }

  // ---- stopping ----

  private void beginStop() {
    if (stopping) {
      return;
    }
    stopping = true;
    backingOff = null;
    timers.cancelAll();
    if (children.isEmpty()) {
      finishStop();
    } else {
      children.keySet().forEach(Cell::stopFromOutside);
    }
  }

  private void finishStop() {
    signal(PostStop.INSTANCE);
    mailbox.close();
    if (parent != null) {
      parent.enqueue(new ChildStopped(this));
    } else {
      system.stopped(this);
    }
  }

  // ---- ActorContext ----

  @Override
  public ActorRef<T> getSelf() {
    return this;
  }

  @Override
  public Actors getSystem() {
    return system;
  }

  @Override
  public Logger getLog() {
    return log;
  }

  @Override
  public void setLoggerName(Class<?> type) {
    log = LoggerFactory.getLogger(type);
  }

  @Override
  public <U> ActorRef<U> spawn(Behavior<U> behavior, String name) {
    Cell<U> child = new Cell<>(system, this, path + "/" + name, behavior);
    children.put(child, NOT_WATCHED);
    return child.begin();
  }

  @Override
  public void stop(ActorRef<?> child) {
    if (child instanceof Cell<?> c && children.containsKey(c)) {
      c.stopFromOutside();
    } else {
      throw new IllegalArgumentException(child + " is not a child of " + path);
    }
  }

  @Override
  public <U> void watchWith(ActorRef<U> child, T message) {
    if (!(child instanceof Cell<?> c) || !children.containsKey(c)) {
      throw new IllegalArgumentException(child + " is not a running child of " + path);
    }
    children.put(c, message);
  }

  @Override
  public <V> void pipeToSelf(CompletionStage<V> stage, BiFunction<V, Throwable, T> toMessage) {
    stage.whenComplete(
        (value, failure) -> enqueue(new Adapted<>(() -> toMessage.apply(value, failure))));
  }

  @Override
  public <U> ActorRef<U> messageAdapter(Class<U> type, Function<U, T> adapter) {
    return message -> enqueue(new Adapted<>(() -> adapter.apply(message)));
  }

  @Override
  public <Req, Res> void ask(
      Class<Res> replyType,
      ActorRef<Req> target,
      Duration timeout,
      Function<ActorRef<Res>, Req> request,
      BiFunction<Res, Throwable, T> toMessage) {
    pipeToSelf(Actors.ask(system.scheduler(), target, request, timeout), toMessage);
  }
}

package dev.fluke.agent.actor;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An actor system for tests ({@link Actors} on pools of its own), on real time or on {@link
 * ManualTime}, with {@link TestProbe}s (Pekko's ActorTestKit's names).
 */
public final class ActorTestKit {
  private static final AtomicInteger SYSTEMS = new AtomicInteger();

  private final Actors system;
  private final ExecutorService executor;
  private final ExecutorService blocking;
  private final ScheduledThreadPoolExecutor timers;
  private final AtomicInteger spawned = new AtomicInteger();

  private ActorTestKit(Scheduler manual) {
    String name = "test-" + SYSTEMS.incrementAndGet();
    executor = Executors.newFixedThreadPool(4, daemon(name + "-actors"));
    blocking = Executors.newCachedThreadPool(daemon(name + "-blocking"));
    timers = new ScheduledThreadPoolExecutor(1, daemon(name + "-scheduler"));
    Scheduler scheduler = manual != null ? manual : Actors.scheduler(timers);
    system = Actors.create(name, executor, scheduler, blocking);
  }

  /** On real time. */
  public static ActorTestKit create() {
    return new ActorTestKit(null);
  }

  /** On time that moves when the test says so. */
  public static ActorTestKit create(ManualTime time) {
    return new ActorTestKit(time);
  }

  public Actors system() {
    return system;
  }

  public <T> ActorRef<T> spawn(Behavior<T> behavior) {
    return spawn(behavior, "actor-" + spawned.incrementAndGet());
  }

  public <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
    return system.spawn(behavior, name);
  }

  public <T> TestProbe<T> createTestProbe() {
    return new TestProbe<>();
  }

  public <T> TestProbe<T> createTestProbe(Class<T> type) {
    return new TestProbe<>();
  }

  /** Stops a top-level actor and waits until it has stopped. */
  public void stop(ActorRef<?> actor) {
    try {
      system.stop(actor).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(actor + " did not stop within 10 s", e);
    }
  }

  public void shutdownTestKit() {
    try {
      system.terminate().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // what did not stop in time is cut with the pools
    }
    timers.shutdownNow();
    executor.shutdownNow();
    blocking.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

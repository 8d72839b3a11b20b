package dev.fluke.agent.actor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An actor system for tests ({@link Actors} with pools of its own), on real time or on {@link
 * ManualTime}, with {@link TestProbe}s (Pekko's ActorTestKit's names).
 */
public final class ActorTestKit {
  private static final AtomicInteger SYSTEMS = new AtomicInteger();
  private static final int THREADS = 4;

  private final Actors system;
  private final AtomicInteger spawned = new AtomicInteger();

  private ActorTestKit(Actors system) {
    this.system = system;
  }

  /** On real time. */
  public static ActorTestKit create() {
    return new ActorTestKit(Actors.create(name(), THREADS, THREADS));
  }

  /** On time that moves when the test says so. */
  public static ActorTestKit create(ManualTime time) {
    return new ActorTestKit(Actors.create(name(), THREADS, THREADS, time));
  }

  private static String name() {
    return "test-" + SYSTEMS.incrementAndGet();
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

  /** Stops a top-level actor and waits until it has stopped. */
  public void stop(ActorRef<?> actor) {
    try {
      system.stop(actor).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(actor + " did not stop within 10 s", e);
    }
  }

  /**
   * Stops every actor and ends the pools (their threads are daemons: a stuck one does not hold the
   * JVM).
   */
  public void shutdownTestKit() {
    try {
      system.terminate().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // what did not stop in time is left to the daemon threads' end with the JVM
    }
  }
}

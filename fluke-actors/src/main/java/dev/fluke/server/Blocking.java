package dev.fluke.server;

import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * Where the engine's blocking work runs (Git, webhook POSTs, reading plans): {@code
 * fluke.blocking-dispatcher}, never an actor's thread.
 */
final class Blocking {
  private Blocking() {}

  static Executor executor(ActorSystem<?> system) {
    return system.dispatchers().lookup(DispatcherSelector.fromConfig("fluke.blocking-dispatcher"));
  }
}

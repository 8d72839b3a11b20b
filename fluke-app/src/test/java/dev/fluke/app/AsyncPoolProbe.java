package dev.fluke.app;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Run in a JVM of its own by {@link AsyncPoolTest}: sizes the common pool as {@link Main} does when
 * given {@code sized}, then makes a real Pekko ask through the Java API and prints the name of the
 * thread its {@code whenComplete} ran on.
 */
public final class AsyncPoolProbe {
  private AsyncPoolProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("sized")) {
      AsyncPool.sizeCommonPool();
    }
    ActorSystem<ActorRef<String>> system =
        ActorSystem.create(
            Behaviors.receiveMessage(
                (ActorRef<String> replyTo) -> {
                  replyTo.tell("pong");
                  return Behaviors.same();
                }),
            "probe");
    try {
      CompletableFuture<String> thread = new CompletableFuture<>();
      AskPattern.<ActorRef<String>, String>ask(
              system, replyTo -> replyTo, Duration.ofSeconds(10), system.scheduler())
          .whenComplete((pong, failure) -> thread.complete(Thread.currentThread().getName()));
      System.out.println("completed on " + thread.get());
    } finally {
      system.terminate();
    }
  }
}

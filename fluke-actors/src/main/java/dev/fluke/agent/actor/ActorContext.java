package dev.fluke.agent.actor;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * An actor's view of itself, for use on its own turn only (in its behavior's handlers and setup).
 */
public interface ActorContext<T> {
  ActorRef<T> getSelf();

  Actors getSystem();

  Logger getLog();

  /** The logger {@link #getLog} returns from now on. */
  void setLoggerName(Class<?> type);

  /** Starts a child; it stops when this actor stops (or restarts). */
  <U> ActorRef<U> spawn(Behavior<U> behavior, String name);

  /** Stops a child of this actor. */
  void stop(ActorRef<?> child);

  /**
   * This actor gets {@code message} when {@code child} has stopped (not after this one stopped).
   */
  <U> void watchWith(ActorRef<U> child, T message);

  /** This actor gets {@code toMessage(value, failure)} when {@code stage} completes. */
  <V> void pipeToSelf(CompletionStage<V> stage, BiFunction<V, Throwable, T> toMessage);

  /** A reference that turns each message into one of this actor's (on this actor's turn). */
  <U> ActorRef<U> messageAdapter(Class<U> type, Function<U, T> adapter);

  /**
   * Sends {@code request(replyTo)} to {@code target}; this actor gets {@code toMessage(reply,
   * null)} or, after {@code timeout}, {@code toMessage(null, TimeoutException)}.
   */
  <Req, Res> void ask(
      Class<Res> replyType,
      ActorRef<Req> target,
      Duration timeout,
      Function<ActorRef<Res>, Req> request,
      BiFunction<Res, Throwable, T> toMessage);
}

package dev.fluke.server;

import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One question put to an actor that may be stopping at that moment (a session whose agent just
 * went, a reconciler whose task just left the manifest): a short-lived child that watches the
 * target, passes its answer on, and answers with the fallback instead when the target stops first
 * or does not answer within the timeout. A message sent to an actor that is stopping is dropped, so
 * without the watch the caller would wait for its own ask timeout, and with a manual test clock,
 * forever.
 */
final class AskOrFallback {

  private enum Signal {
    GONE,
    TIMEOUT
  }

  private AskOrFallback() {}

  /**
   * Spawns the question as an anonymous child of {@code context}.
   *
   * @param question builds the message to the target from the reply address
   * @param fallback the answer when the target stops ({@code true}) or stays silent ({@code false})
   */
  @SuppressWarnings("unchecked")
  static <T, R> void ask(
      ActorContext<?> context,
      ActorRef<T> target,
      Function<ActorRef<R>, T> question,
      Duration timeout,
      ActorRef<R> replyTo,
      Function<Boolean, R> fallback) {
    context.spawnAnonymous(
        Behaviors.<Object>setup(
            ctx ->
                Behaviors.withTimers(
                    timers -> {
                      ctx.watchWith(target, Signal.GONE);
                      timers.startSingleTimer(Signal.TIMEOUT, timeout);
                      target.tell(question.apply(ctx.getSelf().narrow()));
                      return Behaviors.receiveMessage(
                          message -> {
                            replyTo.tell(
                                message instanceof Signal s
                                    ? fallback.apply(s == Signal.GONE)
                                    : (R) message);
                            return Behaviors.stopped();
                          });
                    })));
  }
}

package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The last phases of an {@link AgentSession} (plain, used on the session's thread). When the agent
 * ended its stream ({@link #ending}), the runner first handles what it was given. When the session
 * ends it ({@link #closing}; the session has stopped its runner), a message the runner had not
 * handled was neither recorded nor acknowledged: the agent re-sends it to its next session. But
 * results the runner recorded may still wait for the cluster's directory before they are
 * acknowledged ({@link ReceivedResults#afterRecorded}): those acknowledgements go out first, at
 * most {@link #FLUSH_LIMIT}, since a recorded result the agent never saw acknowledged would be
 * re-sent to the next node and could be recorded there again (docs/cluster.md, failure modes). Then
 * the stream ends, and the session stops once the inbound side reports its end.
 */
final class SessionClosing {
  /** How often a closing session looks whether its acknowledgements in flight are out. */
  private static final Duration FLUSH_POLL = Duration.ofMillis(50);

  /**
   * How long a closing session waits for them at most: a directory write of a received result gives
   * up after the cluster's ask timeout (5 s), and its acknowledgement goes out then anyway.
   */
  static final Duration FLUSH_LIMIT = Duration.ofSeconds(6);

  private final TimerScheduler<AgentSession.Command> timers;
  private final ServerSettings settings;
  private final SessionOutbound stream;
  private final ReceivedResults received;
  private final Function<AgentSession.CycleStatus, Behavior<AgentSession.Command>> status;
  private final Function<AgentSession.GetDetail, Behavior<AgentSession.Command>> detail;
  private final Function<PostStop, Behavior<AgentSession.Command>> postStop;

  /**
   * @param status the session's handler of its runner's cycle status
   * @param detail the session's answer to a question for the agent's detail while it closes
   * @param postStop the session's handler of its stop
   */
  SessionClosing(
      TimerScheduler<AgentSession.Command> timers,
      ServerSettings settings,
      SessionOutbound stream,
      ReceivedResults received,
      Function<AgentSession.CycleStatus, Behavior<AgentSession.Command>> status,
      Function<AgentSession.GetDetail, Behavior<AgentSession.Command>> detail,
      Function<PostStop, Behavior<AgentSession.Command>> postStop) {
    this.timers = timers;
    this.settings = settings;
    this.stream = stream;
    this.received = received;
    this.status = status;
    this.detail = detail;
    this.postStop = postStop;
  }

  /**
   * The agent's stream ended. Its inbound side signals the end without waiting for the last
   * message's acknowledgement, so the runner may not have handled a report the agent sent just
   * before closing: it handles everything it was given and stops ({@link CycleRunner.Finish}), and
   * only then is the disconnection recorded. No such report is lost, and the agent's history lists
   * it before the disconnection.
   */
  Behavior<AgentSession.Command> ending(ActorRef<CycleRunner.Command> runner, String why) {
    timers.cancelAll();
    runner.tell(CycleRunner.Finish.INSTANCE);
    timers.startSingleTimer(
        AgentSession.CloseTimeout.INSTANCE, settings.agents().heartbeatInterval());
    return Behaviors.receive(AgentSession.Command.class)
        .onMessageEquals(AgentSession.RunnerStopped.INSTANCE, () -> disconnected(why))
        .onMessageEquals(AgentSession.CloseTimeout.INSTANCE, () -> disconnected(why))
        .onMessage(AgentSession.CycleStatus.class, status::apply)
        .onMessage(AgentSession.GetDetail.class, detail::apply)
        .onSignal(PostStop.class, postStop::apply)
        .build();
  }

  private Behavior<AgentSession.Command> disconnected(String why) {
    stream.disconnected(why);
    return Behaviors.stopped();
  }

  /** Ends the stream with {@code streamEnds} once the acknowledgements owed are out. */
  Behavior<AgentSession.Command> closing(Runnable streamEnds) {
    timers.cancelAll();
    if (received.acksInFlight() == 0) {
      return closed(streamEnds);
    }
    timers.startTimerWithFixedDelay(AgentSession.FlushTick.INSTANCE, FLUSH_POLL);
    timers.startSingleTimer(AgentSession.CloseTimeout.INSTANCE, FLUSH_LIMIT);
    return Behaviors.receive(AgentSession.Command.class)
        .onMessageEquals(
            AgentSession.FlushTick.INSTANCE,
            () -> received.acksInFlight() == 0 ? closed(streamEnds) : Behaviors.same())
        .onMessageEquals(AgentSession.CloseTimeout.INSTANCE, () -> closed(streamEnds))
        .onMessage(AgentSession.FromAgent.class, this::whileFlushing)
        .onMessageEquals(AgentSession.StreamCompleted.INSTANCE, () -> closedBy(streamEnds))
        .onMessage(AgentSession.StreamFailed.class, f -> closedBy(streamEnds))
        .onMessage(AgentSession.GetDetail.class, detail::apply)
        .onSignal(PostStop.class, postStop::apply)
        .build();
  }

  /**
   * While the acknowledgements wait, the agent's heartbeats are answered: an agent that hears
   * nothing for three intervals gives up on the server and re-sends what it is owed, the very thing
   * this wait avoids. Anything else is let through unhandled (neither recorded nor acknowledged:
   * the agent re-sends it to its next server).
   */
  private Behavior<AgentSession.Command> whileFlushing(AgentSession.FromAgent m) {
    if (m.message() instanceof AgentMessage.Heartbeat) {
      stream.send(new ServerMessage.Heartbeat(settings.clock().millis()));
    }
    m.ackTo().tell(AgentSession.Ack.INSTANCE);
    return Behaviors.same();
  }

  /** The stream ended meanwhile: nothing more reaches the agent. */
  private Behavior<AgentSession.Command> closedBy(Runnable streamEnds) {
    streamEnds.run();
    return Behaviors.stopped();
  }

  /**
   * Ends the stream and waits for the inbound side to report its end before stopping: stopping at
   * once would cancel the inbound side, which may complete the stream before the failure that
   * explains it has reached the agent.
   */
  private Behavior<AgentSession.Command> closed(Runnable streamEnds) {
    timers.cancelAll();
    streamEnds.run();
    timers.startSingleTimer(
        AgentSession.CloseTimeout.INSTANCE, settings.agents().heartbeatInterval());
    return Behaviors.receive(AgentSession.Command.class)
        .onMessageEquals(AgentSession.StreamCompleted.INSTANCE, Behaviors::stopped)
        .onMessage(AgentSession.StreamFailed.class, f -> Behaviors.stopped())
        .onMessageEquals(AgentSession.CloseTimeout.INSTANCE, Behaviors::stopped)
        .onMessage(AgentSession.GetDetail.class, detail::apply)
        .onSignal(PostStop.class, postStop::apply)
        .build();
  }
}

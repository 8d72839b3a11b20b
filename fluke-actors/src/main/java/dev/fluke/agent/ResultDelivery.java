package dev.fluke.agent;

import dev.fluke.agent.AgentJournal.KeptResult;
import dev.fluke.agent.UnackedResults.Kept;
import dev.fluke.agent.actor.ActorContext;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.Behavior;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends the worker's answers, in the order their requests ran, and delivers apply results at least
 * once (docs/protocol.md, "Delivery of apply results"): every result is kept ({@link
 * UnackedResults}, bounded, and in the {@link AgentJournal}, so also across a restart of the agent)
 * until the server acknowledges it with {@code ApplyResultAck}; once a connection is registered,
 * every result kept and not yet sent on it goes out with {@code late = true}, in the order the
 * applies finished, before anything else is answered there. That covers results that finished while
 * the connection was down, ones lost with a connection, and the results a previous agent process
 * left (an apply it did not finish, one it had not reported). Nothing is sent twice on one
 * connection.
 *
 * <p>Its state is one immutable {@link State}, replaced per message.
 */
final class ResultDelivery {

  sealed interface Command {}

  /**
   * An apply requested on connection {@code connId} ended with {@code result} (kept in the
   * journal); {@code output} holds the output lines not sent yet, or null.
   */
  record Finished(long connId, KeptResult result, OutputLines output) implements Command {}

  /**
   * A check requested on connection {@code connId} ended. Check reports pass through here so that
   * the answers leave in the order their requests ran; one for a connection that is gone is dropped
   * (the server re-checks on reconnect).
   */
  record CheckDone(long connId, CheckReport report) implements Command {}

  /**
   * Connection {@code connId} is registered: kept results go out on it, late, through {@code link};
   * replies {@link CaughtUp} once they are handed to it.
   */
  record Registered(long connId, ActorRef<Connection.Command> link, ActorRef<CaughtUp> replyTo)
      implements Command {}

  /** Connection {@code connId} is gone (told by a stopping connection: no dead letter logged). */
  record Disconnected(long connId) implements Command {}

  /** The server acknowledged the result of {@code task} in cycle {@code cycleId}. */
  record Acknowledged(long connId, long cycleId, String task) implements Command {}

  /** Replies {@link Delivered} once no result waits for an acknowledgement. */
  record AwaitDelivered(ActorRef<Delivered> replyTo) implements Command {}

  /** The reply to {@link Registered}. */
  enum CaughtUp {
    INSTANCE
  }

  /** The reply to {@link AwaitDelivered}. */
  enum Delivered {
    INSTANCE
  }

  /** The registered connection. */
  private record Link(long connId, ActorRef<Connection.Command> ref) {}

  /**
   * @param link the registered connection, or null
   * @param waiting who waits for every result to be acknowledged
   */
  private record State(UnackedResults unacked, Link link, List<ActorRef<Delivered>> waiting) {
    State {
      waiting = List.copyOf(waiting);
    }

    State with(UnackedResults u) {
      return new State(u, link, waiting);
    }
  }

  /** Starts with the results the journal kept (from this process or a previous one). */
  static Behavior<Command> create(AgentSettings settings, AgentJournal journal) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(ResultDelivery.class);
          ResultDelivery d = new ResultDelivery(ctx, settings, journal);
          UnackedResults unacked = UnackedResults.empty(settings.maxBufferedLateResults());
          for (KeptResult k : journal.state().results()) {
            unacked = d.keep(unacked, k, UnackedResults.NOT_SENT);
            d.loadedUpTo = Math.max(d.loadedUpTo, k.seq());
          }
          if (!unacked.isEmpty()) {
            ctx.getLog()
                .info(
                    "{} apply result(s) from before the agent restarted wait to be reported",
                    unacked.size());
          }
          return d.delivering(new State(unacked, null, List.of()));
        });
  }

  private final ActorContext<Command> ctx;
  private final AgentSettings settings;
  private final AgentJournal journal;
  private final Executor blocking;

  /** The highest journal number read from the journal at start (-1: none). */
  private long loadedUpTo = -1;

  private ResultDelivery(ActorContext<Command> ctx, AgentSettings settings, AgentJournal journal) {
    this.ctx = ctx;
    this.settings = settings;
    this.journal = journal;
    this.blocking = ctx.getSystem().blocking();
  }

  private Behavior<Command> delivering(State s) {
    return Behaviors.receive(Command.class)
        .onMessage(Finished.class, f -> onFinished(s, f))
        .onMessage(CheckDone.class, c -> onCheckDone(s, c))
        .onMessage(Registered.class, r -> onRegistered(s, r))
        .onMessage(Disconnected.class, d -> onDisconnected(s, d))
        .onMessage(Acknowledged.class, a -> onAcknowledged(s, a))
        .onMessage(AwaitDelivered.class, w -> onAwaitDelivered(s, w))
        .build();
  }

  private Behavior<Command> onFinished(State s, Finished f) {
    ApplyResult result = f.result().result();
    long seq = f.result().seq();
    if (seq <= loadedUpTo && !s.unacked().holds(seq)) {
      // Read from the journal at start and already forgotten to keep the bound: keeping it again
      // would push out a newer result.
      return Behaviors.same();
    }
    // Read from the journal at start already (it finished just then): it is this result.
    UnackedResults others = s.unacked().without(seq);
    if (s.link() != null && s.link().connId() == f.connId()) {
      UnackedResults kept = keep(others, f.result(), f.connId());
      s.link().ref().tell(new Connection.Send(result, f.output()));
      return delivering(s.with(kept));
    }
    ctx.getLog()
        .info(
            "The apply of task '{}' finished while disconnected; it is reported when the agent is"
                + " registered again",
            result.task().task());
    State next = s.with(keep(others, f.result(), UnackedResults.NOT_SENT));
    return delivering(next.link() == null ? next : resend(next));
  }

  private Behavior<Command> onCheckDone(State s, CheckDone c) {
    if (s.link() != null && s.link().connId() == c.connId()) {
      s.link().ref().tell(new Connection.Send(c.report()));
    } else {
      ctx.getLog()
          .info(
              "Dropping the check report of cycle {}: its connection is gone (the server re-checks"
                  + " on reconnect)",
              c.report().cycleId());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRegistered(State s, Registered r) {
    State next = resend(new State(s.unacked(), new Link(r.connId(), r.link()), s.waiting()));
    r.replyTo().tell(CaughtUp.INSTANCE);
    return delivering(next);
  }

  private Behavior<Command> onDisconnected(State s, Disconnected d) {
    if (s.link() == null || s.link().connId() != d.connId()) {
      return Behaviors.same();
    }
    // Results sent on it and not acknowledged stay kept: they go again on the next connection.
    return delivering(new State(s.unacked(), null, s.waiting()));
  }

  private Behavior<Command> onAcknowledged(State s, Acknowledged a) {
    Optional<Kept> acked = s.unacked().acknowledged(a.connId(), a.cycleId(), a.task());
    if (acked.isEmpty()) {
      ctx.getLog()
          .debug(
              "Acknowledgement of task '{}' (cycle {}) for a result no longer kept",
              a.task(),
              a.cycleId());
      return Behaviors.same();
    }
    forget(acked.get().seq());
    UnackedResults left = s.unacked().without(acked.get().seq());
    if (left.isEmpty()) {
      s.waiting().forEach(w -> w.tell(Delivered.INSTANCE));
      return delivering(new State(left, s.link(), List.of()));
    }
    return delivering(s.with(left));
  }

  private Behavior<Command> onAwaitDelivered(State s, AwaitDelivered w) {
    if (s.unacked().isEmpty()) {
      w.replyTo().tell(Delivered.INSTANCE);
      return Behaviors.same();
    }
    List<ActorRef<Delivered>> waiting = new ArrayList<>(s.waiting());
    waiting.add(w.replyTo());
    return delivering(new State(s.unacked(), s.link(), waiting));
  }

  /** Sends every kept result not yet sent on the registered connection, late. */
  private State resend(State s) {
    Link to = s.link();
    UnackedResults.Resend r = s.unacked().resendOn(to.connId());
    if (!r.late().isEmpty()) {
      ctx.getLog()
          .info(
              "Reporting {} apply result(s) the server has not acknowledged (late)",
              r.late().size());
    }
    r.late().forEach(late -> to.ref().tell(new Connection.Send(late)));
    return s.with(r.next());
  }

  /** Keeps a result; the oldest kept one is forgotten when there are too many. */
  private UnackedResults keep(UnackedResults unacked, KeptResult k, long sentOn) {
    Optional<Kept> dropped = unacked.oldestIfFull();
    if (dropped.isPresent()) {
      ApplyResult d = dropped.get().result();
      ctx.getLog()
          .warn(
              "Forgetting the result of task '{}' (cycle {}) without the server's acknowledgement:"
                  + " more than {} results are waiting for one"
                  + " (fluke.agent.max-buffered-late-results)",
              d.task().task(),
              d.cycleId(),
              settings.maxBufferedLateResults());
      forget(dropped.get().seq());
    }
    return unacked.add(k.seq(), k.result(), sentOn);
  }

  /** The journal writes a file: not on this actor's thread. */
  private void forget(long seq) {
    try {
      CompletableFuture.runAsync(() -> journal.forget(seq), blocking);
    } catch (RejectedExecutionException shuttingDown) {
      // The agent is shutting down: the result stays in the journal and is reported once more.
    }
  }
}

package dev.fluke.agent;

import dev.fluke.agent.actor.ActorRef;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.LongFunction;

/**
 * One attempt to talk to one server, as {@link Event}s to an actor ({@link ServerLink}, which
 * decides when and where the next attempt goes: {@link Dialing}): {@link Opened}, any number of
 * {@link Received}, then exactly one {@link Closed}, whatever happens — a refused connection, a
 * failed or ended call, or the agent ending it.
 *
 * <p>Both directions are backpressured: the actor acknowledges every event ({@link Ack}) before the
 * next one is handed over, and only an acknowledged {@link Received} lets the server's next message
 * in (the call's flow control); the connection sends its messages one at a time ({@link #send}),
 * the next only after the actor heard that the call took the previous one ({@code sent}). A {@link
 * Closed} waits, like any event, until the event before it was acknowledged.
 *
 * <p>The agent ends an attempt with {@link #end}: the call is cancelled (the server sees it so) and
 * {@link Closed} follows with the agent's reason, so a connection to a server that no longer
 * answers (frozen, partitioned away) ends when the agent decides, not when TCP finds out.
 */
final class ConnectionAttempt implements ServerConnector.Listener {

  /** What one connection attempt reports, in order: Opened, any Received, then Closed. */
  sealed interface Event {}

  /** The attempt started; {@code out} is the attempt, which takes this connection's messages. */
  record Opened(long connId, ConnectionAttempt out) implements Event {}

  record Received(long connId, ServerMessage message) implements Event {}

  /** {@code cause} is null when the server ended the call normally. */
  record Closed(long connId, Throwable cause) implements Event {}

  /** Why the agent ended a connection itself (a register timeout, a rejection, a silent server). */
  static final class EndedByAgent extends RuntimeException {
    EndedByAgent(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The actor's acknowledgement of one event: the next event may come. Acknowledging twice, or
   * after the attempt ended, does nothing.
   */
  interface Ack {
    void ack();
  }

  /**
   * How an attempt's signals become the actor's messages.
   *
   * @param event an event, with the acknowledgement that lets the next one in
   * @param sent connection {@code connId} took the last message sent; the next may go
   */
  record Messages<M>(BiFunction<Ack, Event, M> event, LongFunction<M> sent) {}

  private final long id;
  private final BiConsumer<Ack, Event> handTo; // the event, as the actor's message, to the actor
  private final Runnable tellSent; // "the call took it", as the actor's message, to the actor
  private final ArrayDeque<Event> waiting = new ArrayDeque<>();
  private ServerConnector.Call call;
  private boolean handedOver; // an event is with the actor, not yet acknowledged
  private boolean closed; // the call reported its end
  private Throwable endedBy; // the agent's reason, when it ended the attempt
  private boolean sentPending; // a message waits for the call to be ready

  private <M> ConnectionAttempt(long id, ActorRef<M> self, Messages<M> messages) {
    this.id = id;
    this.handTo = (ack, event) -> self.tell(messages.event().apply(ack, event));
    this.tellSent = () -> self.tell(messages.sent().apply(id));
  }

  /** Dials {@code server}; {@link Opened} is the first event the actor gets. */
  static <M> ConnectionAttempt start(
      long id, ServerConnector server, ActorRef<M> self, Messages<M> messages) {
    ConnectionAttempt attempt = new ConnectionAttempt(id, self, messages);
    synchronized (attempt) {
      attempt.handedOver = true; // what the call reports while it opens waits for Opened
    }
    ServerConnector.Call call = null;
    try {
      call = server.open(attempt);
    } catch (RuntimeException e) {
      attempt.onClose(e);
    }
    Throwable endedMeanwhile;
    synchronized (attempt) {
      attempt.call = call;
      attempt.handOver(new Opened(id, attempt));
      endedMeanwhile = attempt.closed ? null : attempt.endedBy;
    }
    if (call != null) {
      if (endedMeanwhile != null) {
        call.cancel(endedMeanwhile); // ended while the call was being opened
      } else {
        call.request();
      }
    }
    return attempt;
  }

  /** Why a connection ended, in a few words. */
  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  // ---- the agent's side ----

  /** Sends {@code message}; the actor hears {@code sent} once the call took it. */
  void send(AgentMessage message) {
    ServerConnector.Call c;
    synchronized (this) {
      if (closed || endedBy != null || call == null) {
        return; // Closed is on its way (or was handed over): nothing more goes out
      }
      c = call;
    }
    c.send(message);
    synchronized (this) {
      if (c.isReady()) {
        tellSent.run();
      } else {
        sentPending = true;
      }
    }
  }

  /** Ends the attempt: the call is cancelled, and {@link Closed} follows with {@code why}. */
  void end(Throwable why) {
    ServerConnector.Call c;
    synchronized (this) {
      if (closed || endedBy != null) {
        return;
      }
      endedBy = why;
      c = call;
    }
    if (c != null) {
      c.cancel(why);
    }
  }

  // ---- the call's side ----

  @Override
  public void onMessage(ServerMessage message) {
    synchronized (this) {
      if (!closed) {
        arrive(new Received(id, message));
      }
    }
  }

  @Override
  public void onReady() {
    synchronized (this) {
      if (sentPending && call != null && call.isReady()) {
        sentPending = false;
        tellSent.run();
      }
    }
  }

  @Override
  public void onClose(Throwable cause) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      sentPending = false;
      arrive(new Closed(id, endedBy != null ? endedBy : cause));
    }
  }

  // ---- handing events over, one at a time ----

  private void arrive(Event event) {
    if (handedOver) {
      waiting.add(event);
    } else {
      handOver(event);
    }
  }

  private void handOver(Event event) {
    handedOver = true;
    AtomicBoolean once = new AtomicBoolean();
    Ack ack = () -> acknowledged(event, once);
    handTo.accept(ack, event);
  }

  private void acknowledged(Event event, AtomicBoolean once) {
    if (!once.compareAndSet(false, true)) {
      return;
    }
    ServerConnector.Call letInNext = null;
    synchronized (this) {
      handedOver = false;
      if (event instanceof Received && !closed && endedBy == null) {
        letInNext = call;
      }
      Event next = waiting.poll();
      if (next != null) {
        handOver(next);
      }
    }
    if (letInNext != null) {
      letInNext.request();
    }
  }
}

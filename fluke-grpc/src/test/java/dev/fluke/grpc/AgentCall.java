package dev.fluke.grpc;

import dev.fluke.agent.ServerConnector;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One call of a {@link ServerConnector} that a test drives as an agent would: it sends what the
 * test gives it and reads every message the server sends (one at a time, as the agent does).
 */
final class AgentCall implements ServerConnector.Listener {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final BlockingQueue<ServerMessage> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Throwable> closed = new CompletableFuture<>();
  private volatile ServerConnector.Call call;

  static AgentCall open(ServerConnector connector) {
    AgentCall c = new AgentCall();
    c.call = connector.open(c);
    c.call.request();
    return c;
  }

  void send(AgentMessage m) {
    call.send(m);
  }

  void cancel(Throwable why) {
    call.cancel(why);
  }

  /** The server's next message. */
  ServerMessage next() {
    try {
      ServerMessage m = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new AssertionError(
            "the server sent nothing within "
                + WAIT
                + (closed.isDone() ? "; the call ended: " + closed.getNow(null) : ""));
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Why the call ended, which it must (a failure, not a normal end). */
  Throwable error() {
    Throwable cause = ended();
    if (cause == null) {
      throw new AssertionError("the call ended normally, not with an error");
    }
    return cause;
  }

  /** Waits for the call's end: its cause, null when the server ended it normally. */
  Throwable ended() {
    try {
      return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the call did not end within " + WAIT, e);
    }
  }

  @Override
  public void onMessage(ServerMessage message) {
    received.add(message);
    call.request();
  }

  @Override
  public void onReady() {}

  @Override
  public void onClose(Throwable cause) {
    closed.complete(cause);
  }
}

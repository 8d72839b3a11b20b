package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyOutput;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.Heartbeat;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One open connection as {@link ServerLink} keeps it: its id and the outbox. Messages leave one at
 * a time, the next only once the call took the previous one ({@link #sent()}), so a slow connection
 * backs up here rather than in the call. Apply output is pulled from the running apply's bounded
 * {@link OutputLines} only while fewer than {@link #WINDOW} messages wait, so the outbox stays
 * short however much a command prints. A heartbeat goes ahead of whatever waits: the server answers
 * it, and its answer is how the agent knows the server still listens (a busy connection must not
 * look like a silent server). Used by the actor only; not thread-safe.
 */
final class Outbox {

  /** Messages waiting in the outbox before no more output lines are pulled in. */
  static final int WINDOW = 32;

  private record Output(long cycleId, String task, OutputLines lines) {}

  final long id;
  private final Consumer<AgentMessage> out;
  private final Consumer<Throwable> end;
  private final ArrayDeque<AgentMessage> outbox = new ArrayDeque<>();
  private boolean canSend = true;
  private boolean ending;
  private Output output;

  /**
   * @param out the connection's outbound side
   * @param end ends the connection (its attempt's call)
   */
  Outbox(long id, Consumer<AgentMessage> out, Consumer<Throwable> end) {
    this.id = id;
    this.out = out;
    this.end = end;
  }

  void send(AgentMessage message) {
    if (message instanceof Heartbeat) {
      outbox.addFirst(message);
    } else {
      outbox.add(message);
    }
    pump();
  }

  /** The call took the last message. */
  void sent() {
    canSend = true;
    pump();
  }

  /** Sends a heartbeat with {@code clock}'s time, unless one still waits to go out. */
  void heartbeat(Clock clock) {
    if (outbox.stream().noneMatch(m -> m instanceof Heartbeat)) {
      send(new Heartbeat(clock.millis()));
    }
  }

  /** Streams the output of the apply that runs, as the connection takes it. */
  void streamOutput(long cycleId, String task, OutputLines lines) {
    output = new Output(cycleId, task, lines);
    pump();
  }

  /**
   * Sends {@code message}; for an apply's result, {@code lines} (when not null) holds the rest of
   * its output, which goes out first.
   */
  void send(AgentMessage message, OutputLines lines) {
    if (message instanceof ApplyResult result) {
      sendResult(result, lines);
    } else {
      send(message);
    }
  }

  /** The apply ended: the rest of its output goes out now, then its result. */
  void sendResult(ApplyResult result, OutputLines lines) {
    if (lines != null) {
      queueOutput(result.cycleId(), result.task().task(), lines, Integer.MAX_VALUE);
    }
    if (output != null && output.lines() == lines) {
      output = null;
    }
    send(result);
  }

  /**
   * Ends the connection from this side: the call is cancelled and the connection closes at once.
   * What waits in the outbox is dropped; apply results among it are still kept by {@link
   * ResultDelivery} until acknowledged.
   */
  void end(Throwable why) {
    ending = true;
    output = null;
    outbox.clear();
    end.accept(why);
  }

  private void pump() {
    if (ending) {
      return;
    }
    if (output != null) {
      queueOutput(output.cycleId(), output.task(), output.lines(), WINDOW - outbox.size());
    }
    if (canSend && !outbox.isEmpty()) {
      canSend = false;
      out.accept(outbox.poll());
    }
  }

  private void queueOutput(long cycleId, String task, OutputLines lines, int max) {
    if (max <= 0) {
      return;
    }
    for (OutputLines.Line line : lines.drain(max)) {
      outbox.add(new ApplyOutput(cycleId, task, line.executor(), line.text()));
    }
  }
}

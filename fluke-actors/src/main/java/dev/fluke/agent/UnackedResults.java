package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage.ApplyResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The apply results the server has not acknowledged yet, in the order the applies finished, as
 * {@link ServerLink} keeps them (docs/protocol.md, "Delivery of apply results"). Each remembers the
 * connection it was last handed to: an {@code ApplyResultAck} only counts on that connection, and
 * after a reconnect every result not yet sent on the new connection is sent again, late. At most
 * {@code max} are kept; a new one pushes out the oldest, so an agent whose server never
 * acknowledges stays bounded. Used by the actor only; not thread-safe.
 */
final class UnackedResults {

  /** The connection id of a result not handed to any open connection (ids start at 1). */
  static final long NOT_SENT = 0;

  private static final class Entry {
    final ApplyResult result;
    long sentOn;

    Entry(ApplyResult result, long sentOn) {
      this.result = result;
      this.sentOn = sentOn;
    }
  }

  private final int max;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();

  UnackedResults(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, got " + max);
    }
    this.max = max;
  }

  /**
   * Keeps {@code result}, handed to connection {@code sentOn} (or {@link #NOT_SENT}). Returns the
   * oldest result, dropped to make room, or null.
   */
  ApplyResult add(ApplyResult result, long sentOn) {
    ApplyResult dropped = entries.size() >= max ? entries.poll().result : null;
    entries.add(new Entry(result, sentOn));
    return dropped;
  }

  /**
   * The server acknowledged the result of {@code task} in cycle {@code cycleId} on connection
   * {@code connId}: forgets the oldest such result sent on that connection. False when there is
   * none (it was dropped, or the ack is not for anything this agent sent there).
   */
  boolean ack(long connId, long cycleId, String task) {
    Iterator<Entry> it = entries.iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      // A restarted server numbers its cycles anew: the connection tells an old cycle 7 from a new
      // one.
      if (e.sentOn == connId
          && e.result.cycleId() == cycleId
          && e.result.task().task().equals(task)) {
        it.remove();
        return true;
      }
    }
    return false;
  }

  /**
   * The results to send on connection {@code connId} now, late and in the order they finished:
   * every result not already handed to it. They count as sent there from now on, so nothing is sent
   * twice on one connection.
   */
  List<ApplyResult> resendOn(long connId) {
    List<ApplyResult> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.sentOn != connId) {
        e.sentOn = connId;
        out.add(
            e.result.late()
                ? e.result
                : new ApplyResult(e.result.cycleId(), e.result.task(), true));
      }
    }
    return out;
  }

  int size() {
    return entries.size();
  }
}

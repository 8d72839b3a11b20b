package dev.fluke.agent;

import dev.fluke.protocol.AgentMessage.ApplyResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The apply results the server has not acknowledged yet, in the order the applies finished, as
 * {@link ResultDelivery} keeps them (docs/protocol.md, "Delivery of apply results"). An immutable
 * value: every change returns a new one.
 *
 * <p>Each result remembers the connection it was last handed to: an {@code ApplyResultAck} only
 * counts on that connection, and after a reconnect every result not yet sent on the new connection
 * is sent again, late. At most {@code max} are kept; a new one pushes out the oldest, so an agent
 * whose server never acknowledges stays bounded.
 *
 * @param kept oldest first
 */
record UnackedResults(int max, List<Kept> kept) {

  /** The connection id of a result not handed to any open connection (ids start at 1). */
  static final long NOT_SENT = 0;

  /**
   * One kept result.
   *
   * @param seq its number in the {@link AgentJournal}
   * @param sentOn the connection it was last handed to, or {@link #NOT_SENT}
   */
  record Kept(long seq, ApplyResult result, long sentOn) {}

  /** What to send on a newly registered connection, and the results as they are then. */
  record Resend(UnackedResults next, List<ApplyResult> late) {}

  UnackedResults {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, got " + max);
    }
    kept = List.copyOf(kept);
  }

  static UnackedResults empty(int max) {
    return new UnackedResults(max, List.of());
  }

  /** The oldest result, which {@link #add} would push out now; empty while there is room. */
  Optional<Kept> oldestIfFull() {
    return kept.size() >= max ? Optional.of(kept.get(0)) : Optional.empty();
  }

  /**
   * Keeps {@code result} (journal number {@code seq}), handed to connection {@code sentOn} (or
   * {@link #NOT_SENT}); the oldest is dropped when there is no room (see {@link #oldestIfFull}).
   */
  UnackedResults add(long seq, ApplyResult result, long sentOn) {
    List<Kept> next = new ArrayList<>(kept);
    if (next.size() >= max) {
      next.remove(0);
    }
    next.add(new Kept(seq, result, sentOn));
    return new UnackedResults(max, next);
  }

  /**
   * The oldest kept result of {@code task} in cycle {@code cycleId} sent on connection {@code
   * connId}: what an {@code ApplyResultAck} on that connection acknowledges. Empty when there is
   * none (it was dropped, or the ack is not for anything this agent sent there).
   */
  Optional<Kept> acknowledged(long connId, long cycleId, String task) {
    // A restarted server numbers its cycles anew: the connection tells an old cycle 7 from a new
    // one.
    return kept.stream()
        .filter(
            k ->
                k.sentOn() == connId
                    && k.result().cycleId() == cycleId
                    && k.result().task().task().equals(task))
        .findFirst();
  }

  /** Without the result numbered {@code seq}. */
  /** True when the result with journal number {@code seq} is kept. */
  boolean holds(long seq) {
    return kept.stream().anyMatch(k -> k.seq() == seq);
  }

  UnackedResults without(long seq) {
    return new UnackedResults(max, kept.stream().filter(k -> k.seq() != seq).toList());
  }

  /**
   * The results to send on connection {@code connId} now, late and in the order they finished:
   * every result not already handed to it. In {@link Resend#next()} they count as sent there, so
   * nothing is sent twice on one connection.
   */
  Resend resendOn(long connId) {
    List<Kept> next = new ArrayList<>(kept.size());
    List<ApplyResult> late = new ArrayList<>();
    for (Kept k : kept) {
      if (k.sentOn() == connId) {
        next.add(k);
      } else {
        ApplyResult r = k.result();
        late.add(r.late() ? r : new ApplyResult(r.cycleId(), r.task(), true));
        next.add(new Kept(k.seq(), r, connId));
      }
    }
    return new Resend(new UnackedResults(max, next), late);
  }

  int size() {
    return kept.size();
  }

  boolean isEmpty() {
    return kept.isEmpty();
  }
}

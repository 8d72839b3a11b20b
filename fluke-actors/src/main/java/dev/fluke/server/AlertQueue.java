package dev.fluke.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The alerts {@link DriftAlerter} is delivering, by id, and who waits for all of them to be out (a
 * stopping server's {@link DriftAlerter.Flush}). Plain bookkeeping, used on the alerter's thread.
 */
final class AlertQueue {
  /** One alert being delivered: its body and the attempt in flight or next. */
  record Delivery(String kind, String agent, String task, String json, int attempt) {
    Delivery next() {
      return new Delivery(kind, agent, task, json, attempt + 1);
    }
  }

  private final Map<Long, Delivery> pending = new HashMap<>();
  private final List<ActorRef<Done>> flushing = new ArrayList<>();
  private long nextId;

  int size() {
    return pending.size();
  }

  /** A new alert at its first attempt; returns its id. */
  long add(String kind, String agent, String task, String json) {
    long id = nextId++;
    pending.put(id, new Delivery(kind, agent, task, json, 1));
    return id;
  }

  /** The alert {@code id} being delivered, null when it is done. */
  Delivery get(long id) {
    return pending.get(id);
  }

  /** The alert {@code id}'s attempt failed: its next one is kept. */
  void failed(long id) {
    pending.computeIfPresent(id, (k, d) -> d.next());
  }

  /** The alert {@code id} is sent or given up; those waiting for a flush hear when none is left. */
  void done(long id) {
    pending.remove(id);
    answerFlushes();
  }

  /** True while a flush waits (the server stops). */
  boolean flushing() {
    return !flushing.isEmpty();
  }

  /**
   * {@code replyTo} waits until no alert is left (answered at once when none is); true when it is
   * the first to wait, so the caller posts the alerts waiting for a retry now.
   */
  boolean flush(ActorRef<Done> replyTo) {
    flushing.add(replyTo);
    boolean first = flushing.size() == 1;
    answerFlushes();
    return first;
  }

  /** Every alert being delivered, by id (read-only). */
  Map<Long, Delivery> pending() {
    return Collections.unmodifiableMap(pending);
  }

  private void answerFlushes() {
    if (!flushing.isEmpty() && pending.isEmpty()) {
      flushing.forEach(r -> r.tell(Done.getInstance()));
      flushing.clear();
    }
  }
}

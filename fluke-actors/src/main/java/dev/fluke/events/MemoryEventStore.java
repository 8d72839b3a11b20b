package dev.fluke.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default event store (SPEC §5): a ring buffer of the newest events per agent, one ring for
 * server-wide events (empty agent name), and at most {@code maxAgents} agent rings (when a new
 * agent would exceed that, the ring whose newest event is the oldest is dropped). Everything is
 * lost on restart, by design.
 *
 * <p>Thread-safe: each ring is guarded by its own lock, so appends for different agents never
 * contend. Calls complete at once; nothing blocks for longer than copying one ring.
 */
public final class MemoryEventStore implements EventStore {
  private final int maxPerAgent;
  private final int maxServerWide;
  private final int maxAgents;
  private final AtomicLong sequence = new AtomicLong();
  private final Ring serverRing;
  private final Map<String, Ring> agentRings = new ConcurrentHashMap<>();

  /**
   * @param maxPerAgent events kept per agent ({@code max_events_per_agent})
   * @param maxServerWide server-wide events kept
   * @param maxAgents agents whose events are kept
   */
  public MemoryEventStore(int maxPerAgent, int maxServerWide, int maxAgents) {
    if (maxPerAgent < 1 || maxServerWide < 1 || maxAgents < 1) {
      throw new IllegalArgumentException("event store bounds must be at least 1");
    }
    this.maxPerAgent = maxPerAgent;
    this.maxServerWide = maxServerWide;
    this.maxAgents = maxAgents;
    this.serverRing = new Ring(maxServerWide);
  }

  @Override
  public CompletionStage<Void> append(Event event) {
    long seq = sequence.incrementAndGet();
    ring(event.agent()).add(new Entry(seq, event));
    return CompletableFuture.completedFuture(null);
  }

  /** Newest first; {@code limit <= 0} means every matching event still held. */
  @Override
  public CompletionStage<List<Event>> query(EventQuery query) {
    int limit = query.limit() <= 0 ? Integer.MAX_VALUE : query.limit();
    List<List<Entry>> sources = new ArrayList<>();
    if (query.agent() != null && !query.agent().isEmpty()) {
      Ring r = agentRings.get(query.agent());
      if (r != null) {
        sources.add(r.newestFirst(query, limit));
      }
    } else {
      sources.add(serverRing.newestFirst(query, limit));
      for (Ring r : agentRings.values()) {
        sources.add(r.newestFirst(query, limit));
      }
    }
    return CompletableFuture.completedFuture(mergeNewestFirst(sources, limit));
  }

  @Override
  public CompletionStage<Boolean> healthy() {
    return CompletableFuture.completedFuture(true);
  }

  /** Number of events currently held, over all rings. */
  public int size() {
    int n = serverRing.size();
    for (Ring r : agentRings.values()) {
      n += r.size();
    }
    return n;
  }

  public int maxPerAgent() {
    return maxPerAgent;
  }

  public int maxServerWide() {
    return maxServerWide;
  }

  private Ring ring(String agent) {
    if (agent.isEmpty()) {
      return serverRing;
    }
    Ring existing = agentRings.get(agent);
    if (existing != null) {
      return existing;
    }
    if (agentRings.size() >= maxAgents) {
      dropStalestAgent();
    }
    return agentRings.computeIfAbsent(agent, a -> new Ring(maxPerAgent));
  }

  // Rare (only when a new agent appears beyond the bound), so a linear scan is fine.
  private void dropStalestAgent() {
    String stalest = null;
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<String, Ring> e : agentRings.entrySet()) {
      long newest = e.getValue().newestSeq();
      if (newest < oldest) {
        oldest = newest;
        stalest = e.getKey();
      }
    }
    if (stalest != null) {
      agentRings.remove(stalest);
    }
  }

  // k-way merge of newest-first lists by append sequence: O(limit log k) instead of sorting
  // everything.
  private static List<Event> mergeNewestFirst(List<List<Entry>> sources, int limit) {
    PriorityQueue<Cursor> heads =
        new PriorityQueue<>((a, b) -> Long.compare(b.head().seq, a.head().seq));
    for (List<Entry> s : sources) {
      Iterator<Entry> it = s.iterator();
      if (it.hasNext()) {
        heads.add(new Cursor(it.next(), it));
      }
    }
    List<Event> out = new ArrayList<>();
    while (!heads.isEmpty() && out.size() < limit) {
      Cursor c = heads.poll();
      out.add(c.head().event);
      if (c.rest().hasNext()) {
        heads.add(new Cursor(c.rest().next(), c.rest()));
      }
    }
    return Collections.unmodifiableList(out);
  }

  private record Entry(long seq, Event event) {}

  private record Cursor(Entry head, Iterator<Entry> rest) {}

  private static final class Ring {
    private final int capacity;
    private final ArrayDeque<Entry> entries;

    Ring(int capacity) {
      this.capacity = capacity;
      this.entries = new ArrayDeque<>(Math.min(capacity, 64));
    }

    synchronized void add(Entry e) {
      if (entries.size() == capacity) {
        entries.removeFirst();
      }
      entries.addLast(e);
    }

    synchronized List<Entry> newestFirst(EventQuery query, int limit) {
      List<Entry> out = new ArrayList<>();
      Iterator<Entry> it = entries.descendingIterator();
      while (it.hasNext() && out.size() < limit) {
        Entry e = it.next();
        if (query.matches(e.event)) {
          out.add(e);
        }
      }
      return out;
    }

    synchronized long newestSeq() {
      return entries.isEmpty() ? Long.MIN_VALUE : entries.getLast().seq;
    }

    synchronized int size() {
      return entries.size();
    }
  }
}

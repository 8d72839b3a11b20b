package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.protocol.AgentMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The fleet as the {@link AgentRegistry} knows it, as plain data (used on the registry's thread
 * only): every connected agent with its session and last pushed summary, the {@link
 * RecentlyDisconnected}, the apply results received lately per agent ({@link ReceivedResults}, kept
 * across its connections and forgotten with the agent), and the fleet's status totals as running
 * sums of the pushed counts (a change costs a subtraction and an addition, never a scan).
 */
final class AgentDirectory {

  /** A connected agent: its session, where it connected from, and what it last pushed. */
  record Live(
      ActorRef<AgentSession.Command> session,
      Dto.AgentSummary summary,
      String peer,
      ActorRef<Outbound> out) {

    /** An agent that has just registered: connected now, idle, nothing counted yet. */
    static Live registered(
        ActorRef<AgentSession.Command> session,
        AgentMessage.Register register,
        String peer,
        ActorRef<Outbound> out,
        Instant now) {
      return new Live(
          session,
          new Dto.AgentSummary(
              register.name(),
              register.labels(),
              register.version(),
              true,
              now,
              now,
              CyclePhase.IDLE,
              null,
              Dto.StatusCounts.EMPTY,
              0),
          peer,
          out);
    }
  }

  /** Twice the agent's default bound of unacknowledged results. */
  private static final int RECEIVED_RESULTS_KEPT = 64;

  private final Map<String, Live> live = new HashMap<>();
  private final RecentlyDisconnected recent;
  private final Map<String, ReceivedResults> received = new HashMap<>();
  private Dto.StatusCounts totals = Dto.StatusCounts.EMPTY;

  AgentDirectory(Duration retention, int maxDisconnected) {
    this.recent = new RecentlyDisconnected(retention, maxDisconnected);
  }

  Live live(String name) {
    return name == null ? null : live.get(name);
  }

  /** The connected agents' names, sorted. */
  List<String> liveNames() {
    return new ArrayList<>(new TreeSet<>(live.keySet()));
  }

  /** Whether any agent is connected. */
  boolean anyLive() {
    return !live.isEmpty();
  }

  /** The connected agents' sessions, by name. */
  Map<String, ActorRef<AgentSession.Command>> sessions() {
    Map<String, ActorRef<AgentSession.Command>> out = new HashMap<>();
    live.forEach((name, l) -> out.put(name, l.session()));
    return out;
  }

  boolean recentlyDisconnected(String name) {
    return name != null && recent.contains(name);
  }

  /** The results received from this agent lately (made on first use). */
  ReceivedResults received(String name) {
    return received.computeIfAbsent(name, n -> new ReceivedResults(RECEIVED_RESULTS_KEPT));
  }

  /** True when a session of {@code name} on this node received the result {@code key}. */
  boolean receivedHere(String name, String key) {
    ReceivedResults r = received.get(name);
    return r != null && r.has(key);
  }

  /** A session was made for a newly connected agent. */
  void connected(Live l) {
    live.put(l.summary().name(), l);
    recent.remove(l.summary().name());
  }

  /** True when {@code session} is the agent's current session (an old one may still report). */
  boolean isCurrent(String name, ActorRef<AgentSession.Command> session) {
    Live l = live.get(name);
    return l != null && l.session().equals(session);
  }

  /**
   * The agent's current session pushed its summary: true when a viewer of the agent list would see
   * a change ({@code lastSeen} alone refreshes every heartbeat).
   */
  boolean update(Dto.AgentSummary summary) {
    Live l = live.get(summary.name());
    Dto.AgentSummary before = l.summary();
    live.put(summary.name(), new Live(l.session(), summary, l.peer(), l.out()));
    countsChanged(before.counts(), summary.counts());
    return before.cycle() != summary.cycle()
        || !before.counts().equals(summary.counts())
        || !Objects.equals(before.lastCycleEndedAt(), summary.lastCycleEndedAt())
        || before.connected() != summary.connected();
  }

  /**
   * The agent's current session ended. Counts and drift cover connected agents only: a disconnected
   * agent's tasks leave the totals.
   */
  void ended(String name, Instant now) {
    Live l = live.remove(name);
    countsChanged(l.summary().counts(), Dto.StatusCounts.EMPTY);
    recent.add(disconnected(l.summary()));
    prune(now);
  }

  /** The fleet's status totals over the connected agents. */
  Dto.StatusCounts totals() {
    return totals;
  }

  /** Every connected and recently disconnected agent, sorted by name. */
  List<Dto.AgentSummary> all(Instant now) {
    prune(now);
    List<Dto.AgentSummary> out = new ArrayList<>(live.size() + recent.all().size());
    for (Live l : live.values()) {
      out.add(l.summary());
    }
    out.addAll(recent.all());
    out.sort(Comparator.comparing(Dto.AgentSummary::name));
    return out;
  }

  /** A recently disconnected agent's last summary, or null. */
  Dto.AgentSummary disconnectedSummary(String name, Instant now) {
    prune(now);
    return recent.get(name);
  }

  /** The summary of an agent whose session ended: no longer connected, idle. */
  static Dto.AgentSummary disconnected(Dto.AgentSummary s) {
    return new Dto.AgentSummary(
        s.name(),
        s.labels(),
        s.version(),
        false,
        s.connectedAt(),
        s.lastSeen(),
        CyclePhase.IDLE,
        s.lastCycleEndedAt(),
        s.counts(),
        s.manualServed());
  }

  private void countsChanged(Dto.StatusCounts before, Dto.StatusCounts after) {
    if (!before.equals(after)) {
      totals = totals.plus(after).minus(before);
    }
  }

  /** Forgets old disconnected agents, with the results kept for them. */
  private void prune(Instant now) {
    recent.prune(
        now,
        name -> {
          if (!live.containsKey(name)) {
            received.remove(name);
          }
        });
  }
}

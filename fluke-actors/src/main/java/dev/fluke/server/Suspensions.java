package dev.fluke.server;

import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The suspensions in force, readable from any thread: every agent's {@link CycleRunner} asks it,
 * for each drifted task, whether an apply is held back. Written only by the {@link
 * SuspensionKeeper} (persistence, expiry timers, events); readers see one immutable snapshot per
 * read, with no lock and no actor hop on the cycle's path.
 *
 * <p>Until the keeper has restored the suspensions from the event store, everything counts as held
 * back (fail closed): a server that restarted must not apply what an operator suspended before the
 * restart just because Redis answered a little late.
 */
public final class Suspensions {
  /** The reason given while the suspensions are not restored yet. */
  static final String RESTORING =
      "the suspensions are being restored from the event store; nothing is applied until they are";

  /** The reason given while a cluster node learns the suspensions from the other nodes. */
  static final String LEARNING =
      "this node is learning the suspensions in force from the other cluster nodes; nothing is"
          + " applied until it has";

  /**
   * @param waiting why nothing is applied yet ({@link #RESTORING}, {@link #LEARNING}), null once
   *     the suspensions are known
   */
  private record State(String waiting, Map<String, Suspension> byKey) {
    boolean restored() {
      return waiting == null;
    }
  }

  private final AtomicReference<State> state =
      new AtomicReference<>(new State(RESTORING, Map.of()));

  /** The agents an apply of which was held back while the suspensions were not known yet. */
  private final Set<String> heldWhileWaiting = ConcurrentHashMap.newKeySet();

  /** A registry whose keeper has not restored anything yet. */
  public Suspensions() {}

  /** A registry with nothing to restore (tests, and stores that keep no state). */
  static Suspensions restoredEmpty() {
    Suspensions s = new Suspensions();
    s.restored(List.of());
    return s;
  }

  /**
   * Why applying {@code task} on {@code agent} is held back at {@code now}, or null when nothing
   * holds it: the fleet's suspension first, then the agent's, then the task's. Expired ones hold
   * nothing (the keeper's timer removes them soon after).
   */
  public String blocking(String agent, String task, Instant now) {
    State s = state.get();
    if (!s.restored()) {
      heldWhileWaiting.add(agent);
      return s.waiting();
    }
    for (String key :
        List.of(
            Suspension.key(TargetKind.ALL, null),
            Suspension.key(TargetKind.AGENT, agent),
            Suspension.key(TargetKind.TASK, task))) {
      Suspension found = s.byKey().get(key);
      if (found != null && !found.expiredAt(now)) {
        return found.describe();
      }
    }
    return null;
  }

  /** The suspension of a scope, if in force at {@code now}. */
  public Suspension of(TargetKind scope, String name, Instant now) {
    Suspension found = state.get().byKey().get(Suspension.key(scope, name));
    return found == null || found.expiredAt(now) ? null : found;
  }

  /** The suspension kept under {@code key}, expired or not; null when none. */
  Suspension get(String key) {
    return state.get().byKey().get(key);
  }

  /** Every suspension in force: the fleet first, then agents, then tasks, by name. */
  public List<Suspension> all(Instant now) {
    return state.get().byKey().values().stream()
        .filter(s -> !s.expiredAt(now))
        .sorted(
            Comparator.comparing(Suspension::scope)
                .thenComparing(s -> s.name() == null ? "" : s.name()))
        .toList();
  }

  public boolean restored() {
    return state.get().restored();
  }

  /** Why nothing is applied yet, or null once the suspensions are known ({@code /readyz}). */
  public String waiting() {
    return state.get().waiting();
  }

  void restored(Collection<Suspension> list) {
    Map<String, Suspension> m = new LinkedHashMap<>();
    list.forEach(s -> m.put(s.key(), s));
    state.set(new State(null, Map.copyOf(m)));
  }

  /**
   * The agents whose drifted tasks were held back only because the suspensions were not known yet,
   * each once (the set is emptied): they check again once they are known.
   */
  Set<String> takeHeldWhileWaiting() {
    Set<String> taken = new TreeSet<>(heldWhileWaiting);
    heldWhileWaiting.removeAll(taken);
    return taken;
  }

  /** The store is read; the other cluster nodes are asked next (still failing closed). */
  void learning() {
    state.updateAndGet(st -> new State(LEARNING, st.byKey()));
  }

  void put(Suspension s) {
    state.updateAndGet(
        st -> {
          Map<String, Suspension> m = new LinkedHashMap<>(st.byKey());
          m.put(s.key(), s);
          return new State(st.waiting(), Map.copyOf(m));
        });
  }

  void remove(String key) {
    state.updateAndGet(
        st -> {
          Map<String, Suspension> m = new LinkedHashMap<>(st.byKey());
          m.remove(key);
          return new State(st.waiting(), Map.copyOf(m));
        });
  }
}

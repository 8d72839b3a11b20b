package dev.fluke.server;

import dev.fluke.api.Suspension;
import dev.fluke.cluster.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one node knows of the fleet's suspensions (cluster mode, docs/cluster.md): those it holds
 * and the scopes it saw lifted recently (resumed or expired, with when), so that a suspension one
 * node still holds from before a resume it missed does not come back. A node that starts asks every
 * other Up member for its book and {@link #merge}s them with its own before it applies anything.
 *
 * @param suspensions the suspensions it holds (expired ones may be among them: readers filter)
 * @param lifts the scopes lifted recently, at most {@link #MAX_LIFTS}, newest first
 * @param loaded false while the node has not read its own event store yet: its answer does not
 *     count (it says nothing of what its store may hold)
 */
public record SuspensionBook(List<Suspension> suspensions, List<Lift> lifts, boolean loaded)
    implements CborSerializable {

  /** The scope {@code key} ({@link Suspension#key()}) was lifted at {@code at}. */
  public record Lift(String key, Instant at) {}

  /** How many lifts a node remembers: a resume older than a thousand others is forgotten. */
  static final int MAX_LIFTS = 1000;

  public SuspensionBook {
    suspensions = List.copyOf(suspensions);
    lifts = List.copyOf(lifts);
  }

  /** An empty book of a node that has not read its own store yet. */
  static SuspensionBook notLoaded() {
    return new SuspensionBook(List.of(), List.of(), false);
  }

  /**
   * The books together: per scope the newest change wins. A suspension made at {@code since} wins
   * over another of the same scope made earlier (equal times: the one whose {@code by}, then
   * reason, sorts first, so that every node picks the same) and over a lift before {@code since}; a
   * lift at or after it removes it (a resume ends what was in force when it came). The result keeps
   * the lifts no suspension superseded, newest first, at most {@link #MAX_LIFTS}.
   */
  static SuspensionBook merge(Collection<SuspensionBook> books) {
    Map<String, Suspension> held = new HashMap<>();
    Map<String, Instant> lifted = new HashMap<>();
    for (SuspensionBook b : books) {
      for (Suspension s : b.suspensions()) {
        held.merge(s.key(), s, (a, c) -> NEWEST.compare(a, c) <= 0 ? a : c);
      }
      for (Lift l : b.lifts()) {
        lifted.merge(l.key(), l.at(), (a, c) -> a.isAfter(c) ? a : c);
      }
    }
    List<Suspension> kept = new ArrayList<>();
    Set<String> superseded = new HashSet<>();
    for (Suspension s : held.values()) {
      Instant liftedAt = lifted.get(s.key());
      if (liftedAt != null && !liftedAt.isBefore(s.since())) {
        continue;
      }
      kept.add(s);
      superseded.add(s.key());
    }
    kept.sort(Comparator.comparing(Suspension::key));
    List<Lift> lifts =
        lifted.entrySet().stream()
            .filter(e -> !superseded.contains(e.getKey()))
            .map(e -> new Lift(e.getKey(), e.getValue()))
            .sorted(Comparator.comparing(Lift::at).reversed().thenComparing(Lift::key))
            .limit(MAX_LIFTS)
            .toList();
    return new SuspensionBook(kept, lifts, true);
  }

  /** Newest first; at equal times by who, then why, then until (a stable choice on every node). */
  private static final Comparator<Suspension> NEWEST =
      Comparator.comparing(Suspension::since, Comparator.reverseOrder())
          .thenComparing(Suspension::by)
          .thenComparing(Suspension::reason)
          .thenComparing(
              Suspension::until, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()));
}

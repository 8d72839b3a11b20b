package dev.fluke.server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scopes whose suspensions ended lately (resumed or expired), at most {@link
 * SuspensionBook#MAX_LIFTS}, kept by the {@link SuspensionKeeper} for the other nodes' books: a
 * resume made while a node was away must not come back from that node's copy. Plain state of the
 * keeper's thread.
 */
final class RecentLifts {
  private final Map<String, Instant> byKey = new LinkedHashMap<>(); // oldest first

  /** Starts from a book's lifts (newest first). */
  void restore(List<SuspensionBook.Lift> newestFirst) {
    List<SuspensionBook.Lift> oldestFirst = new ArrayList<>(newestFirst);
    Collections.reverse(oldestFirst);
    oldestFirst.forEach(x -> byKey.put(x.key(), x.at()));
  }

  /** {@code key} was lifted {@code at}; the oldest is forgotten beyond the limit. */
  void lifted(String key, Instant at) {
    byKey.remove(key);
    byKey.put(key, at); // newest last
    if (byKey.size() > SuspensionBook.MAX_LIFTS) {
      byKey.remove(byKey.keySet().iterator().next());
    }
  }

  /** {@code key} is suspended again: its lift no longer counts. */
  void suspended(String key) {
    byKey.remove(key);
  }

  /** Newest first, as a book lists them. */
  List<SuspensionBook.Lift> newestFirst() {
    List<SuspensionBook.Lift> known = new ArrayList<>();
    byKey.forEach((key, when) -> known.add(new SuspensionBook.Lift(key, when)));
    Collections.reverse(known);
    return known;
  }
}

package dev.fluke.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Work on the directory's shards, at most one batch in flight per shard (used by {@link Admitting}
 * for its majority reads and writes): what is added while a shard's batch is in flight waits and
 * goes together in that shard's next batch. Plain bookkeeping; the caller runs the batches.
 */
final class ShardBatches<T> {
  private final Map<Integer, List<T>> waiting = new HashMap<>();
  private final Set<Integer> inFlight = new HashSet<>();

  /**
   * Adds {@code item} for {@code shard}: the batch to start now (this item alone, and whatever
   * waited) when nothing of the shard is in flight, else null (it waits for {@link #done}).
   */
  List<T> add(int shard, T item) {
    waiting.computeIfAbsent(shard, s -> new ArrayList<>()).add(item);
    return inFlight.contains(shard) ? null : start(shard);
  }

  /** The batch of {@code shard} in flight is done: the next batch to start, or null when none. */
  List<T> done(int shard) {
    inFlight.remove(shard);
    return waiting.containsKey(shard) ? start(shard) : null;
  }

  private List<T> start(int shard) {
    inFlight.add(shard);
    return List.copyOf(waiting.remove(shard));
  }
}

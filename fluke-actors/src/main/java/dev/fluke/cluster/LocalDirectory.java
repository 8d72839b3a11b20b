package dev.fluke.cluster;

import dev.fluke.server.AgentRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * This node's side of the cluster-wide agent directory, for {@link AgentLocations} (plain, called
 * on its thread): the last replica of each shard it was told of, the agents this node admitted and
 * still holds with their epochs, and which of those a change of a shard fences — an agent this node
 * holds that shows up on another node with an epoch at least its own has a stale session here.
 */
final class LocalDirectory {
  /** A session this node held that another node's admission made stale. */
  record Fenced(String name, long heldEpoch, AgentLocation now) {
    /** What the registry is told: stop the stale session. */
    AgentRegistry.Fence fence() {
      return new AgentRegistry.Fence(name, now.epoch(), now.node());
    }
  }

  private final String self;
  private final Map<Integer, Map<String, AgentLocation>> replicas = new HashMap<>();
  private final Map<String, Long> held = new HashMap<>();

  /**
   * @param self this node's cluster address, as entries name it
   */
  LocalDirectory(String self) {
    this.self = self;
  }

  static int shardOf(String name) {
    return Math.floorMod(name.hashCode(), AgentLocations.SHARDS);
  }

  /** This node admitted {@code name} with {@code epoch} (the directory recorded it). */
  void admitted(String name, long epoch) {
    held.put(name, epoch);
  }

  /**
   * The session of {@code name} admitted with {@code epoch} ended here: true when it was the one
   * this node still held (its entry is then to be marked released), false for an older or fenced
   * session.
   */
  boolean released(String name, long epoch) {
    if (!Long.valueOf(epoch).equals(held.get(name))) {
      return false;
    }
    held.remove(name);
    return true;
  }

  /**
   * Shard {@code shard}'s replica changed to {@code entries} (an immutable view, kept as is: the
   * replicator's maps are immutable, so no copy per change): the sessions held here that it fences
   * (no longer held from now on).
   */
  List<Fenced> changed(int shard, Map<String, AgentLocation> entries) {
    replicas.put(shard, entries);
    List<Fenced> fenced = new ArrayList<>();
    for (Map.Entry<String, Long> h : Map.copyOf(held).entrySet()) {
      if (shardOf(h.getKey()) != shard) {
        continue;
      }
      AgentLocation l = entries.get(h.getKey());
      if (l != null && !l.node().equals(self) && l.epoch() >= h.getValue()) {
        held.remove(h.getKey());
        fenced.add(new Fenced(h.getKey(), h.getValue(), l));
      }
    }
    return fenced;
  }

  /** Every entry as this node's replicas have it. */
  Map<String, AgentLocation> all() {
    Map<String, AgentLocation> all = new HashMap<>();
    replicas.values().forEach(all::putAll);
    return all;
  }

  /**
   * This node's part of the live agents of the {@code serving} nodes, as its replicas have them
   * ({@link FleetShare#of}).
   */
  FleetShare share(Set<String> serving) {
    int held = 0;
    int total = 0;
    for (Map<String, AgentLocation> replica : replicas.values()) {
      FleetShare part = FleetShare.of(replica.values(), serving, self);
      held += part.held();
      total += part.total();
    }
    return new FleetShare(held, total, serving.size());
  }

  /** The entry of {@code name} as this node's replica has it, or null. */
  AgentLocation locate(String name) {
    return replicas.getOrDefault(shardOf(name), Map.of()).get(name);
  }

  /** The epoch this node holds {@code name} with. */
  Optional<Long> heldEpoch(String name) {
    return Optional.ofNullable(held.get(name));
  }
}

package dev.fluke.cluster;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.cluster.ddata.AbstractDeltaReplicatedData;
import org.apache.pekko.cluster.ddata.DeltaReplicatedData;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ReplicatedDelta;

/**
 * The apply results received lately from each agent of one directory shard, on any node: per agent
 * the {@link #KEPT} newest (cycle id, fingerprint of {@code cycle/task}) pairs. A replicated data
 * type of its own ({@link ClusterReceipts}) because it must <em>merge</em>: the merge of two
 * replicas is their union, cut to the {@link #KEPT} newest per agent (by cycle id, then
 * fingerprint: a total order, so the cut is the same on every node and the merge is commutative,
 * associative and idempotent). No admission, release or concurrent write of another node can drop a
 * received result, which the last-writer-wins directory entry did: a node that recorded a result
 * re-sent to it after a move wrote it into an entry another node's admission had replaced, and the
 * result was recorded again on the next node (docs/cluster.md, "Results received once").
 *
 * <p>Cycle ids grow with the epoch of the session that ran the cycle ({@code epoch << 32}), so the
 * cut forgets the oldest results. Each change carries its additions as a delta, so a write sends
 * those, not the shard. Serialized with Jackson CBOR; the per-agent map is sorted, so equal
 * replicas serialize identically and gossip's digests agree once they converged.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.NONE,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ReceivedKeys extends AbstractDeltaReplicatedData<ReceivedKeys, ReceivedKeys>
    implements ReplicatedDelta, CborSerializable {
  /** Results remembered per agent: more than an agent keeps unacknowledged at once by default. */
  public static final int KEPT = 16;

  public static final ReceivedKeys EMPTY = new ReceivedKeys(new TreeMap<>(), null);

  /** The key of a shard's value in Distributed Data. */
  public static final class ShardKey extends Key<ReceivedKeys> {
    public ShardKey(String id) {
      super(id);
    }
  }

  /** One received result of an agent. */
  public record Receipt(String agent, long cycle, long fingerprint) {}

  /** Per agent: {cycle, fingerprint} pairs flattened, newest first, at most {@link #KEPT}. */
  private final TreeMap<String, long[]> agents;

  /** What changed since the last {@link #resetDelta}, null when nothing did. */
  private final ReceivedKeys delta;

  @JsonCreator
  ReceivedKeys(@JsonProperty("agents") Map<String, long[]> agents) {
    this(agents == null ? new TreeMap<>() : new TreeMap<>(agents), null);
  }

  private ReceivedKeys(TreeMap<String, long[]> agents, ReceivedKeys delta) {
    this.agents = agents;
    this.delta = delta;
  }

  @JsonProperty("agents")
  Map<String, long[]> agents() {
    return agents;
  }

  /** True when {@code fingerprint} is among the results kept for {@code agent}. */
  public boolean contains(String agent, long fingerprint) {
    long[] kept = agents.get(agent);
    if (kept != null) {
      for (int i = 1; i < kept.length; i += 2) {
        if (kept[i] == fingerprint) {
          return true;
        }
      }
    }
    return false;
  }

  /** With {@code receipts} added (and in the delta). */
  public ReceivedKeys add(Collection<Receipt> receipts) {
    TreeMap<String, long[]> added = new TreeMap<>();
    for (Receipt r : receipts) {
      added.merge(r.agent(), new long[] {r.cycle(), r.fingerprint()}, ReceivedKeys::union);
    }
    ReceivedKeys change = new ReceivedKeys(added, null);
    ReceivedKeys next = mergeData(change);
    return new ReceivedKeys(next.agents, delta == null ? change : delta.mergeData(change));
  }

  @Override
  public ReceivedKeys mergeData(ReceivedKeys that) {
    TreeMap<String, long[]> merged = new TreeMap<>(agents);
    that.agents.forEach((agent, kept) -> merged.merge(agent, kept, ReceivedKeys::union));
    return new ReceivedKeys(merged, delta);
  }

  /**
   * The union of two agents' lists, newest first, cut to {@link #KEPT}: pairs ordered by cycle id
   * descending, then fingerprint descending; a pair in both is kept once.
   */
  static long[] union(long[] a, long[] b) {
    long[] out = new long[Math.min(a.length + b.length, 2 * KEPT)];
    int i = 0;
    int j = 0;
    int n = 0;
    while (n < out.length && (i < a.length || j < b.length)) {
      int order =
          i >= a.length
              ? 1
              : j >= b.length ? -1 : compareDescending(a[i], a[i + 1], b[j], b[j + 1]);
      long[] from = order <= 0 ? a : b;
      int at = order <= 0 ? i : j;
      out[n] = from[at];
      out[n + 1] = from[at + 1];
      n += 2;
      if (order <= 0) {
        i += 2;
      }
      if (order >= 0) {
        j += 2;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  private static int compareDescending(long cycleA, long fpA, long cycleB, long fpB) {
    int byCycle = Long.compare(cycleB, cycleA);
    return byCycle != 0 ? byCycle : Long.compare(fpB, fpA);
  }

  @Override
  public Optional<ReceivedKeys> deltaData() {
    return Optional.ofNullable(delta);
  }

  @Override
  public ReceivedKeys mergeDeltaData(ReceivedKeys d) {
    return mergeData(d);
  }

  @Override
  public ReceivedKeys resetDelta() {
    return delta == null ? this : new ReceivedKeys(agents, null);
  }

  @Override
  public DeltaReplicatedData zero() {
    return EMPTY;
  }

  /** Agents with results kept. */
  public int size() {
    return agents.size();
  }

  /** Results kept, of every agent. */
  long kept() {
    return agents.values().stream().mapToLong(k -> k.length / 2).sum();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ReceivedKeys that) || that.agents.size() != agents.size()) {
      return false;
    }
    for (Map.Entry<String, long[]> e : agents.entrySet()) {
      if (!Arrays.equals(e.getValue(), that.agents.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<String, long[]> e : agents.entrySet()) {
      h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ReceivedKeys{");
    agents.forEach((a, k) -> s.append(a).append('=').append(k.length / 2).append(' '));
    return s.append('}').toString();
  }
}

package dev.fluke.cluster;

import dev.fluke.server.EpisodeBook;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The open drift episodes of the whole cluster ({@link EpisodeBook} of cluster mode): which alerts
 * each open episode of an (agent, task) has had, in Distributed Data — {@link #SHARDS} {@code
 * LWWMap<String, Episode>}s {@code fluke-episodes-0…} keyed by {@code agent\ntask}, sharded by the
 * agent like the agent directory. An episode is written with {@code WriteMajority} when an alert
 * goes out and removed when the episode ends; the alerter reads this node's replica (kept in a
 * concurrent map by the replica actor, so reads answer at once). An agent that moves to another
 * node while drifted is known there as already alerted: no second alert for the same episode.
 *
 * <p>Not promised: an alert that goes out on one node while the agent's reports reach another
 * within the replication delay (one gossip, ~200 ms after a majority write) may go out twice.
 */
public final class ClusterEpisodes implements EpisodeBook {
  static final int SHARDS = 32;

  /** Which alerts an open episode has had. */
  public record Episode(boolean detected, boolean remediated) implements CborSerializable {}

  private final Map<String, Episode> view = new ConcurrentHashMap<>();
  private final ActorRef<Command> replica;

  private ClusterEpisodes(ActorSystem<?> system, Duration timeout) {
    this.replica =
        system.systemActorOf(
            Behaviors.<Command>setup(
                ctx ->
                    DistributedData.withReplicatorMessageAdapter(
                        (ReplicatorMessageAdapter<Command, LWWMap<String, Episode>> r) ->
                            behavior(ctx, r, timeout))),
            "fluke-cluster-episodes",
            Props.empty());
  }

  /** Starts this node's replica of the episodes; one per node. */
  public static ClusterEpisodes start(ActorSystem<?> system) {
    return new ClusterEpisodes(system, ClusterBoot.askTimeout(system));
  }

  @Override
  public Sent sent(String agent, String task) {
    Episode e = view.get(key(agent, task));
    return e == null ? null : new Sent(e.detected(), e.remediated());
  }

  @Override
  public void remember(String agent, String task, Sent sent) {
    put(agent, task, new Episode(sent.detected(), sent.remediated()));
  }

  @Override
  public void end(String agent, String task) {
    String key = key(agent, task);
    if (view.remove(key) != null) {
      replica.tell(new Write(shardOf(agent), key, null));
    }
  }

  /** True when this node's replica knows drift_detected went out in the open episode (tests). */
  public boolean alerted(String agent, String task) {
    Episode e = view.get(key(agent, task));
    return e != null && e.detected();
  }

  private void put(String agent, String task, Episode e) {
    String key = key(agent, task);
    view.put(key, e); // at once: this node does not alert twice before its replica hears back
    replica.tell(new Write(shardOf(agent), key, e));
  }

  static String key(String agent, String task) {
    return agent + '\n' + task;
  }

  static int shardOf(String agent) {
    return Math.floorMod(agent.hashCode(), SHARDS);
  }

  static LWWMapKey<String, Episode> shardKey(int shard) {
    return new LWWMapKey<>("fluke-episodes-" + shard);
  }

  // ---- the replica actor ----

  sealed interface Command {}

  /** {@code episode} null: the episode ended (removed). */
  private record Write(int shard, String key, Episode episode) implements Command {}

  private record Changed(int shard, LWWMap<String, Episode> map) implements Command {}

  /** One majority write of {@code shard} with the episodes of {@code batch}. */
  private record Done(int shard, List<Write> batch, boolean ok) implements Command {}

  /** A subscription's answer other than a change. */
  private enum Ignored implements Command {
    INSTANCE
  }

  private Behavior<Command> behavior(
      org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx,
      ReplicatorMessageAdapter<Command, LWWMap<String, Episode>> replicator,
      Duration timeout) {
    SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    for (int i = 0; i < SHARDS; i++) {
      replicator.subscribe(
          shardKey(i),
          rsp ->
              rsp instanceof Replicator.Changed<LWWMap<String, Episode>> c
                  ? new Changed(AgentLocations.shardOfKey(c.key().id()), c.get(c.key()))
                  : Ignored.INSTANCE);
    }
    // One majority write in flight per shard, the episodes that change meanwhile together in its
    // next write (in the order they changed): a round of drift across the fleet is thousands of
    // alerts within seconds, which one write each made more than a busy node's replicator could
    // confirm in time.
    ShardBatches<Write> writes = new ShardBatches<>();
    BiConsumer<Integer, List<Write>> write =
        (shard, batch) -> {
          if (batch == null) {
            return;
          }
          replicator.askUpdate(
              replyTo ->
                  new Replicator.Update<>(
                      shardKey(shard),
                      LWWMap.create(),
                      new Replicator.WriteMajority(timeout),
                      replyTo,
                      map -> {
                        LWWMap<String, Episode> next = map;
                        for (Write w : batch) {
                          next =
                              w.episode() == null
                                  ? next.remove(self, w.key())
                                  : next.put(self, w.key(), w.episode());
                        }
                        return next;
                      }),
              rsp -> new Done(shard, batch, rsp instanceof Replicator.UpdateSuccess));
        };
    return Behaviors.receive(Command.class)
        .onMessage(
            Write.class,
            w -> {
              write.accept(w.shard(), writes.add(w.shard(), w));
              return Behaviors.same();
            })
        .onMessage(
            Changed.class,
            c -> {
              Map<String, Episode> entries = c.map().getEntries();
              view.keySet()
                  .removeIf(k -> shardOf(agentOf(k)) == c.shard() && !entries.containsKey(k));
              view.putAll(entries);
              return Behaviors.same();
            })
        .onMessageEquals(Ignored.INSTANCE, Behaviors::same)
        .onMessage(
            Done.class,
            d -> {
              if (!d.ok()) {
                // Kept locally and gossiped later; other nodes may not know of them yet.
                ctx.getLog()
                    .warn(
                        "{} drift episode change(s) (the first: {}) were not confirmed by a majority"
                            + " of the nodes within {}",
                        d.batch().size(),
                        d.batch().get(0).key().replace('\n', '/'),
                        timeout);
              }
              write.accept(d.shard(), writes.done(d.shard()));
              return Behaviors.same();
            })
        .build();
  }

  private static String agentOf(String key) {
    return key.substring(0, key.indexOf('\n'));
  }
}

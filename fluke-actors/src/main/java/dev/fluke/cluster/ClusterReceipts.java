package dev.fluke.cluster;

import dev.fluke.server.ReceivedResults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The cluster's record of the apply results received from each agent ({@link ReceivedKeys}, one per
 * directory shard, {@code fluke-received-0…}), so that a result an agent re-sends after moving to
 * another node is recognised there and recorded once:
 *
 * <ul>
 *   <li>{@link Record}: a session received a result for the first time; it is written with a
 *       majority write and the agent's acknowledgement waits for it;
 *   <li>{@link Check}: a session got a <em>late</em> result (its apply began on an earlier
 *       connection, perhaps with another node, which may have recorded it) that it has not seen
 *       itself; a majority read says whether any node recorded it. A majority write and a later
 *       majority read share a node, so a result recorded and confirmed anywhere is found. Not found
 *       there, every other node is asked ({@link NodeQuestions#receivedElsewhere}): a node so busy
 *       that its agents left it as silent may not have had its write confirmed yet, but its
 *       registry knows what its sessions received.
 * </ul>
 *
 * Writes and reads go by shard, one of each in flight per shard, what arrives meanwhile together in
 * the shard's next one ({@link ShardBatches}), as the admissions do: a round of applies across the
 * fleet ends within seconds. A read that no majority answers within {@code directory-timeout} falls
 * back to this node's replica, then to the other nodes (a result may then be recorded twice; one is
 * never dropped for it).
 */
public final class ClusterReceipts {
  public sealed interface Command {}

  /** Agent {@code name}'s session received the result {@code key} ({@code cycle/task}). */
  record Record(String name, String key, CompletableFuture<Void> done) implements Command {}

  /** Did any node record agent {@code name}'s result {@code key}? */
  record Check(String name, String key, CompletableFuture<Boolean> answer) implements Command {}

  private record Written(int shard, List<Record> batch, boolean ok) implements Command {}

  /** A read of {@code shard} for {@code batch}: {@code data} null when it failed. */
  private record Read(int shard, List<Check> batch, ReceivedKeys data, boolean majority)
      implements Command {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, ReceivedKeys> replicator;
  private final Duration timeout;
  private final Duration readTimeout;
  private final ShardBatches<Record> writes = new ShardBatches<>();
  private final ShardBatches<Check> reads = new ShardBatches<>();

  /** Starts this node's actor ({@code fluke-cluster-receipts}). */
  public static ActorRef<Command> start(ActorSystem<?> system) {
    return system.systemActorOf(
        create(
            ClusterBoot.askTimeout(system),
            system.settings().config().getDuration("fluke.cluster.directory-timeout")),
        "fluke-cluster-receipts",
        Props.empty());
  }

  /**
   * @param timeout of one majority write, and of another node's answer to a look-up
   * @param readTimeout of one majority read (the directory's: a late result waits for it, so it is
   *     short; not answered in time, this node's replica and the other nodes answer)
   */
  static Behavior<Command> create(Duration timeout, Duration readTimeout) {
    return Behaviors.setup(
        ctx ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, ReceivedKeys> r) ->
                    new ClusterReceipts(ctx, r, timeout, readTimeout).behavior()));
  }

  static ReceivedKeys.ShardKey key(int shard) {
    return new ReceivedKeys.ShardKey("fluke-received-" + shard);
  }

  private ClusterReceipts(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, ReceivedKeys> replicator,
      Duration timeout,
      Duration readTimeout) {
    this.context = context;
    this.replicator = replicator;
    this.timeout = timeout;
    this.readTimeout = readTimeout;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(
            Record.class, r -> same(() -> write(shard(r.name()), writes.add(shard(r.name()), r))))
        .onMessage(Written.class, this::written)
        .onMessage(
            Check.class, c -> same(() -> read(shard(c.name()), reads.add(shard(c.name()), c))))
        .onMessage(Read.class, this::read)
        .build();
  }

  private static int shard(String name) {
    return AgentLocations.shardOf(name);
  }

  private static Behavior<Command> same(Runnable r) {
    r.run();
    return Behaviors.same();
  }

  /** One majority write of {@code shard} with {@code batch} (null: nothing to start). */
  private void write(int shard, List<Record> batch) {
    if (batch == null) {
      return;
    }
    List<ReceivedKeys.Receipt> receipts = new ArrayList<>(batch.size());
    for (Record r : batch) {
      receipts.add(
          new ReceivedKeys.Receipt(
              r.name(), ReceivedResults.cycleOf(r.key()), ReceivedResults.fingerprint(r.key())));
    }
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key(shard),
                ReceivedKeys.EMPTY,
                new Replicator.WriteMajority(timeout),
                replyTo,
                keys -> keys.add(receipts)),
        rsp -> new Written(shard, batch, rsp instanceof Replicator.UpdateSuccess));
  }

  private Behavior<Command> written(Written w) {
    if (!w.ok()) {
      context
          .getLog()
          .warn(
              "Recording {} received result(s) of agents in shard {} reached no majority within {};"
                  + " they are kept here and gossiped",
              w.batch().size(),
              w.shard(),
              timeout);
    }
    w.batch().forEach(r -> r.done().complete(null));
    write(w.shard(), writes.done(w.shard()));
    return Behaviors.same();
  }

  /** One majority read of {@code shard} for {@code batch} (null: nothing to start). */
  private void read(int shard, List<Check> batch) {
    if (batch == null) {
      return;
    }
    get(shard, batch, new Replicator.ReadMajority(readTimeout));
  }

  private void get(int shard, List<Check> batch, Replicator.ReadConsistency consistency) {
    boolean majority = consistency instanceof Replicator.ReadMajority;
    ReceivedKeys.ShardKey key = key(shard);
    replicator.askGet(
        replyTo -> new Replicator.Get<>(key, consistency, replyTo),
        rsp ->
            rsp instanceof Replicator.GetSuccess<ReceivedKeys> ok
                ? new Read(shard, batch, ok.get(key), majority)
                : new Read(
                    shard,
                    batch,
                    rsp instanceof Replicator.NotFound ? ReceivedKeys.EMPTY : null,
                    majority));
  }

  private Behavior<Command> read(Read r) {
    if (r.data() == null && r.majority()) {
      context
          .getLog()
          .warn(
              "No majority answered a read of received results of shard {} within {}: {} late"
                  + " result(s) are checked against this node's replica",
              r.shard(),
              readTimeout,
              r.batch().size());
      get(r.shard(), r.batch(), Replicator.readLocal());
      return Behaviors.same();
    }
    ReceivedKeys data = r.data() == null ? ReceivedKeys.EMPTY : r.data();
    for (Check c : r.batch()) {
      if (data.contains(c.name(), ReceivedResults.fingerprint(c.key()))) {
        c.answer().complete(true);
      } else {
        // Not (yet) in the record: the node that received it may not have had its write
        // confirmed (a busy node the agent left as silent). Its registry knows for sure.
        NodeQuestions.receivedElsewhere(context.getSystem(), c.name(), c.key(), timeout)
            .thenAccept(c.answer()::complete);
      }
    }
    read(r.shard(), reads.done(r.shard()));
    return Behaviors.same();
  }
}

package dev.fluke.cluster;

import dev.fluke.cluster.AgentLocations.Received;
import dev.fluke.cluster.AgentLocations.ReceivedWritten;
import dev.fluke.server.ReceivedResults;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.slf4j.Logger;

/**
 * {@link AgentLocations}' writes of results received for the first time, run on the actor's thread:
 * each result's fingerprint goes into its agent's entry with a majority write. Writes go by shard,
 * one in flight per shard, the results that arrive meanwhile together in its next write (as
 * admissions do, {@link Admitting}): a round of applies across the fleet ends within seconds, and
 * one majority write per result was more than the replicator could answer in time on a busy node
 * (1,112 of 3,000 results unconfirmed within the timeout in a 1,000-agent rolling restart,
 * docs/performance.md).
 */
final class ReceivedWrites {
  private final Logger log;
  private final String self;
  private final Duration timeout;
  private final Admitting.Update update;
  private final ShardBatches<Received> batches = new ShardBatches<>();

  /**
   * @param self this node's address: only its own entries of the session's epoch are changed
   * @param timeout of one majority write
   */
  ReceivedWrites(Logger log, String self, Duration timeout, Admitting.Update update) {
    this.log = log;
    this.self = self;
    this.timeout = timeout;
    this.update = update;
  }

  void received(Received r) {
    int shard = AgentLocations.shardOf(r.name());
    write(shard, batches.add(shard, r));
  }

  /** A write ended: its results are answered (written or not), and the shard's next one starts. */
  void written(ReceivedWritten w) {
    if (!w.ok()) {
      log.warn(
          "Recording {} result(s) of agents in directory shard {} reached no majority within {};"
              + " they are kept locally and gossiped",
          w.batch().size(),
          w.shard(),
          timeout);
    }
    w.batch().forEach(r -> r.done().complete(null));
    write(w.shard(), batches.done(w.shard()));
  }

  /**
   * One majority write of {@code shard} with the results of {@code batch} (null: none to start).
   */
  private void write(int shard, List<Received> batch) {
    if (batch == null) {
      return;
    }
    Map<String, Function<AgentLocation, AgentLocation>> changes = new HashMap<>();
    for (Received r : batch) {
      changes.merge(
          r.name(),
          LocationEntries.own(
              self, r.epoch(), l -> l.withReceived(ReceivedResults.fingerprint(r.key()))),
          LocationEntries::andThen);
    }
    update.apply(
        shard,
        new Replicator.WriteMajority(timeout),
        changes,
        ok -> new ReceivedWritten(shard, batch, ok));
  }
}

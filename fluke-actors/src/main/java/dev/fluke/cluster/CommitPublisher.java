package dev.fluke.cluster;

import dev.fluke.server.DesiredState;
import dev.fluke.server.GitWatcher;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Part of the Git singleton: subscribes to the singleton's {@link GitWatcher} and writes the commit
 * of every desired state it puts in force to {@link ClusterGit#KEY} (a majority first, gossip for
 * the rest). A state loaded before the one already published (the last good commit a new singleton
 * restores from its disk) does not replace it.
 */
final class CommitPublisher {
  sealed interface Command {}

  private record Publish(DesiredState state) implements Command {}

  private record Written(String commit, boolean majority) implements Command {}

  private CommitPublisher() {}

  static Behavior<Command> create(
      ActorRef<GitWatcher.Command> watcher, String repository, Duration timeout) {
    return Behaviors.setup(
        ctx ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWRegister<CommitInForce>> replicator) -> {
                  watcher.tell(
                      new GitWatcher.Subscribe(
                          ctx.messageAdapter(DesiredState.class, Publish::new)));
                  SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          Publish.class,
                          p -> publish(ctx, replicator, self, p.state(), repository, timeout))
                      .onMessage(
                          Written.class,
                          w -> {
                            if (!w.majority()) {
                              ctx.getLog()
                                  .warn(
                                      "The commit in force {} reached no majority within {}; it"
                                          + " spreads by gossip",
                                      w.commit(),
                                      timeout);
                            }
                            return Behaviors.same();
                          })
                      .build();
                }));
  }

  private static Behavior<Command> publish(
      ActorContext<Command> ctx,
      ReplicatorMessageAdapter<Command, LWWRegister<CommitInForce>> replicator,
      SelfUniqueAddress self,
      DesiredState state,
      String repository,
      Duration timeout) {
    CommitInForce next = new CommitInForce(state.commit(), repository, state.loadedAt());
    ctx.getLog().info("Git singleton: commit {} is in force for the cluster", state.commit());
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                ClusterGit.KEY,
                LWWRegister.create(self, CommitInForce.NONE),
                new Replicator.WriteMajority(timeout),
                replyTo,
                reg -> reg.getValue().replacedBy(next) ? reg.withValue(self, next) : reg),
        rsp -> new Written(state.commit(), rsp instanceof Replicator.UpdateSuccess));
    return Behaviors.same();
  }
}

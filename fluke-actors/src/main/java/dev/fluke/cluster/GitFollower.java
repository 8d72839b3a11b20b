package dev.fluke.cluster;

import dev.fluke.server.GitWatcher;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Every node's follower of the commit in force ({@link ClusterGit#KEY}): on a new commit it pins
 * its node's Git client to it and tells the node's own {@link GitWatcher} to sync now, which
 * fetches, checks that commit out, loads its manifests and publishes the desired state to the
 * node's task registry as on a single server.
 */
final class GitFollower {
  sealed interface Command {}

  private record Changed(CommitInForce commit) implements Command {}

  private record Ignored() implements Command {}

  private GitFollower() {}

  static Behavior<Command> create(
      PinnedGitSync pin, ActorRef<GitWatcher.Command> local, String repository) {
    return Behaviors.setup(
        ctx ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWRegister<CommitInForce>> replicator) -> {
                  replicator.subscribe(
                      ClusterGit.KEY,
                      rsp ->
                          rsp instanceof Replicator.Changed<LWWRegister<CommitInForce>> c
                              ? new Changed(c.get(ClusterGit.KEY).getValue())
                              : new Ignored());
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          Changed.class,
                          c -> {
                            CommitInForce in = c.commit();
                            if (in.commit() == null || in.commit().equals(pin.pinned())) {
                              return Behaviors.same();
                            }
                            if (in.repository() != null && !in.repository().equals(repository)) {
                              ctx.getLog()
                                  .error(
                                      "The cluster's commit in force {} comes from {}, but this"
                                          + " node is configured for {}: every node needs the same"
                                          + " git block",
                                      in.commit(),
                                      in.repository(),
                                      repository);
                            }
                            ctx.getLog().info("Cluster commit in force: {}", in.commit());
                            pin.pin(in.commit());
                            local.tell(GitWatcher.FetchNow.INSTANCE);
                            return Behaviors.same();
                          })
                      .onMessage(Ignored.class, i -> Behaviors.same())
                      .build();
                }));
  }
}

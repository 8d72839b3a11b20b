package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.events.EventStore;
import dev.fluke.git.GitSync;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.server.GitWatcher;
import dev.fluke.server.LiveHub;
import dev.fluke.server.ServerSettings;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Git in cluster mode (docs/cluster.md): one {@link GitWatcher} for the whole cluster runs as a
 * Cluster Singleton (on the oldest node) and decides the commit in force; it publishes only that
 * commit's id ({@link CommitInForce} in the {@link #KEY} register). Every node keeps its own
 * GitWatcher, whose Git client is pinned to that commit ({@link PinnedGitSync}, moved by the {@link
 * GitFollower}): it loads the same commit's manifests from Git itself and feeds the node's task
 * registry as on a single server. The API's manifest questions, the webhook and accepting a rewrite
 * go to the singleton ({@link #face}).
 */
public final class ClusterGit {
  /** The commit in force, written by the singleton, read by every node. */
  public static final Key<LWWRegister<CommitInForce>> KEY = LWWRegisterKey.create("fluke-commit");

  /** The singleton's name (also shown in {@code GET /api/v1/nodes}). */
  public static final String SINGLETON = "fluke-git";

  private ClusterGit() {}

  /**
   * Starts the Git singleton (or its proxy) and this node's follower.
   *
   * @param pin the Git client of this node's own watcher {@code local}
   * @return what the API and the webhook talk to about Git
   */
  public static ActorRef<GitWatcher.Command> start(
      ActorSystem<?> system,
      ServerSettings settings,
      GitSync git,
      ManifestLoader loader,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      PinnedGitSync pin,
      ActorRef<GitWatcher.Command> local) {
    Duration timeout = ClusterBoot.askTimeout(system);
    String repository = settings.git().source().redactedUrl();
    // Its own clone and last good commit (data_dir/cluster-git), apart from this node's own
    // watcher's; its fetch metrics are its own too (the node's count its own fetches).
    Behavior<GitWatcher.Command> watcher =
        GitWatcher.create(
            settings.git(),
            settings.dataDir().resolve("cluster-git"),
            git,
            loader,
            events,
            hub,
            new FlukeMetrics(),
            settings.clock());
    ActorRef<GitWatcher.Command> singleton =
        ClusterSingleton.get(system)
            .init(SingletonActor.of(singleton(watcher, repository, timeout), SINGLETON));
    system.systemActorOf(
        GitFollower.create(pin, local, repository), "fluke-cluster-git-follower", Props.empty());
    return system.systemActorOf(
        face(singleton, local, timeout), "fluke-cluster-git", Props.empty());
  }

  /** The singleton: the cluster's watcher and the publisher of its commits. */
  static Behavior<GitWatcher.Command> singleton(
      Behavior<GitWatcher.Command> watcher, String repository, Duration timeout) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<GitWatcher.Command> w =
              ctx.spawn(
                  Behaviors.supervise(watcher).onFailure(SupervisorStrategy.resume()), "watcher");
          ctx.spawn(CommitPublisher.create(w, repository, timeout), "publisher");
          return Behaviors.receiveMessage(
              m -> {
                w.tell(m);
                return Behaviors.same();
              });
        });
  }

  /**
   * What the node's API talks to: subscriptions to this node's watcher, everything else to the
   * singleton; a status the singleton cannot give in time is this node's own, saying so.
   */
  static Behavior<GitWatcher.Command> face(
      ActorRef<GitWatcher.Command> singleton,
      ActorRef<GitWatcher.Command> local,
      Duration timeout) {
    return Behaviors.setup(
        ctx ->
            Behaviors.receive(GitWatcher.Command.class)
                .onMessage(
                    GitWatcher.Subscribe.class,
                    s -> {
                      local.tell(s);
                      return Behaviors.same();
                    })
                .onMessage(
                    GitWatcher.GetStatus.class,
                    g -> {
                      var scheduler = ctx.getSystem().scheduler();
                      AskPattern.<GitWatcher.Command, Dto.ManifestStatus>ask(
                              singleton, GitWatcher.GetStatus::new, timeout, scheduler)
                          .exceptionallyCompose(
                              failure ->
                                  AskPattern.<GitWatcher.Command, Dto.ManifestStatus>ask(
                                          local, GitWatcher.GetStatus::new, timeout, scheduler)
                                      .thenApply(s -> notFromSingleton(s, timeout)))
                          .thenAccept(s -> g.replyTo().tell(s));
                      return Behaviors.same();
                    })
                .onMessage(
                    GitWatcher.AcceptRewrite.class,
                    a -> {
                      singleton.tell(a);
                      return Behaviors.same();
                    })
                .onMessage(
                    GitWatcher.FetchNow.class,
                    f -> {
                      singleton.tell(f);
                      return Behaviors.same();
                    })
                .build());
  }

  /** This node's own view, marked as not the singleton's answer (in {@code fetchError}). */
  static Dto.ManifestStatus notFromSingleton(Dto.ManifestStatus s, Duration timeout) {
    String note =
        "the cluster's Git singleton did not answer within "
            + dev.fluke.hcl.Durations.format(timeout)
            + ": this is this node's own view";
    return new Dto.ManifestStatus(
        s.repository(),
        s.branch(),
        s.commit(),
        s.candidateCommit(),
        s.loadedAt(),
        s.lastFetchAt(),
        s.fetchError() == null ? note : note + "; " + s.fetchError(),
        s.errors(),
        s.tasks(),
        s.files(),
        s.loadedFrom(),
        s.refusedCommit());
  }
}

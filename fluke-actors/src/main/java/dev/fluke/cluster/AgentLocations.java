package dev.fluke.cluster;

import dev.fluke.server.AgentAdmission;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The cluster-wide agent directory: which node holds each agent's session, with the fencing epoch
 * of that admission ({@link AgentLocation}); the results received lately are kept apart ({@link
 * ClusterReceipts}). Kept in Distributed Data as {@link #SHARDS} {@code LWWMap}s (an agent's shard
 * is its name's hash), so no replicated value grows with the whole fleet and a change gossips a
 * small delta (docs/cluster.md, sizing).
 *
 * <p>It is the cluster's {@link AgentAdmission} ({@link #admission}): a registration reads the
 * agent's entry from a majority, applies {@link Placement}, asks the holding node when needed
 * ({@link NodeService.IsLive}) and writes the new entry to a majority before the agent is accepted
 * ({@link Admitting}). Every entry's timestamp grows with its epoch, so the highest epoch wins a
 * merge (ties: by node address, the same on every node; {@link LocationEntries}). It watches every
 * shard: when an agent this node holds shows up on another node with an epoch at least its own, the
 * local session is stale and the registry is told to stop it ({@link AgentRegistry.Fence}); the
 * replicas, the held agents and that rule are in {@link LocalDirectory}. Refusals' reasons: {@link
 * ClusterAdmission}.
 */
public final class AgentLocations {
  /** Shards of the directory (see docs/cluster.md: ~300 agents per shard at 10,000 agents). */
  public static final int SHARDS = 32;

  public sealed interface Command {}

  /**
   * @param resumes the hash of the session token the agent presents (null: none)
   * @param token the hash of the token the new session hands out
   * @param moved the agent was just moved by rebalancing: refused here if this node holds its share
   */
  record Admit(
      String name,
      String resumes,
      String token,
      boolean moved,
      CompletableFuture<AgentAdmission.Decision> answer)
      implements Command {}

  record Release(String name, long epoch) implements Command {}

  /** The registrations of {@code name} being admitted ended their streams. */
  record Abandon(String name) implements Command {}

  record Attach(ActorRef<AgentRegistry.Command> registry) implements Command {}

  /**
   * Every entry as this node's replica has it (for listing agents of nodes that did not answer).
   */
  public record GetAll(ActorRef<Map<String, AgentLocation>> replyTo) implements Command {}

  /** The entry of one agent as this node's replica has it ({@code location} null: none). */
  public record Locate(String name, ActorRef<Located> replyTo) implements Command {}

  public record Located(AgentLocation location) {}

  /**
   * One majority read of {@code shard} for the admissions of {@code batch}: {@code entries} as read
   * (empty: the shard has none yet), {@code failed} when no majority answered within {@code
   * timeout}.
   */
  record Read(
      int shard,
      List<Admit> batch,
      Map<String, AgentLocation> entries,
      boolean failed,
      Duration timeout)
      implements Command {}

  record HolderAnswered(Admit admit, Placement.AskHolder ask, Boolean live) implements Command {}

  /** While the holder is asked: has it become unreachable or left meanwhile? */
  record HolderCheck(Admit admit, Placement.AskHolder ask) implements Command {}

  /**
   * One majority write of {@code shard} with the admissions of {@code batch}: {@code entries} the
   * entries written (by agent name), {@code ok} false when no majority confirmed them.
   */
  record Written(
      int shard, List<Admitting.Write> batch, Map<String, AgentLocation> entries, boolean ok)
      implements Command {}

  private record ShardChanged(int shard, Map<String, AgentLocation> entries) implements Command {}

  record Ignored() implements Command {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator;
  private final SelfUniqueAddress selfUnique;
  private final String self;
  private final LocalDirectory local;
  private final Membership membership;

  private final Admitting admitting;

  private ActorRef<AgentRegistry.Command> registry;

  /**
   * @param timing of admissions
   */
  static Behavior<Command> create(Membership membership, DirectoryPatience.Timing timing) {
    return Behaviors.setup(
        ctx ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> r) ->
                    new AgentLocations(ctx, r, membership, timing).behavior()));
  }

  /**
   * Starts this node's directory actor ({@code fluke-cluster-agents}); {@link #admission} is the
   * registry's view of it.
   */
  public static ActorRef<Command> start(ActorSystem<?> system) {
    return system.systemActorOf(
        create(
            Membership.of(system),
            new DirectoryPatience.Timing(
                ClusterBoot.askTimeout(system),
                system.settings().config().getDuration("fluke.cluster.directory-first-timeout"),
                system.settings().config().getDuration("fluke.cluster.directory-timeout"),
                system.settings().config().getDuration("fluke.cluster.admission-patience"))),
        "fluke-cluster-agents",
        Props.empty());
  }

  /** The registry's view of this actor and of the node's {@link ClusterReceipts}. */
  public static AgentAdmission admission(
      ActorRef<Command> locations, ActorRef<ClusterReceipts.Command> receipts) {
    return new ClusterAdmission(locations, receipts);
  }

  static LWWMapKey<String, AgentLocation> key(int shard) {
    return new LWWMapKey<>("fluke-agents-" + shard);
  }

  static int shardOf(String name) {
    return LocalDirectory.shardOf(name);
  }

  private AgentLocations(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator,
      Membership membership,
      DirectoryPatience.Timing timing) {
    this.context = context;
    this.replicator = replicator;
    this.selfUnique = DistributedData.get(context.getSystem()).selfUniqueAddress();
    this.self = membership.self();
    this.membership = membership;
    this.local = new LocalDirectory(self);
    this.admitting = new Admitting(context, replicator, membership, timing, local, this::update);
    // One function for every shard: Pekko keeps one subscription adapter per actor (the last
    // registered), so the shard is read from the key of each change.
    for (int i = 0; i < SHARDS; i++) {
      replicator.subscribe(
          key(i),
          rsp ->
              rsp instanceof Replicator.Changed<LWWMap<String, AgentLocation>> c
                  ? new ShardChanged(shardOfKey(c.key().id()), c.get(c.key()).getEntries())
                  : new Ignored());
    }
  }

  static int shardOfKey(String id) {
    return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Attach.class, a -> run(() -> registry = a.registry()))
        .onMessage(Admit.class, this::onAdmit)
        .onMessage(Read.class, r -> run(() -> admitting.read(r)))
        .onMessage(HolderAnswered.class, h -> run(() -> admitting.answered(h)))
        .onMessage(HolderCheck.class, c -> run(() -> admitting.check(c)))
        .onMessage(Written.class, w -> run(() -> admitting.written(w)))
        .onMessage(Release.class, this::onRelease)
        .onMessage(Abandon.class, a -> run(() -> admitting.abandon(a.name())))
        .onMessage(ShardChanged.class, this::onShardChanged)
        .onMessage(GetAll.class, g -> run(() -> g.replyTo().tell(local.all())))
        .onMessage(
            Locate.class, l -> run(() -> l.replyTo().tell(new Located(local.locate(l.name())))))
        .onMessage(Ignored.class, i -> Behaviors.same())
        .build();
  }

  private Behavior<Command> run(Runnable r) {
    r.run();
    return Behaviors.same();
  }

  /**
   * An agent moved by rebalancing goes on from a node that holds its share already (so a move does
   * not land on another node at or above its share and move again); every other registration is
   * admitted by the directory ({@link Admitting}).
   */
  private Behavior<Command> onAdmit(Admit a) {
    if (a.moved()) {
      FleetShare share = local.share(membership.serving());
      if (share.sendsMovedAgentsOn()) {
        a.answer().complete(ClusterAdmission.atShare(share));
        return Behaviors.same();
      }
    }
    admitting.admit(a);
    return Behaviors.same();
  }

  // ---- the holder's own updates ----

  private Behavior<Command> onRelease(Release r) {
    if (local.released(r.name(), r.epoch())) {
      update(
          r.name(),
          Replicator.writeLocal(),
          LocationEntries.own(self, r.epoch(), AgentLocation::released),
          ok -> new Ignored());
    }
    return Behaviors.same();
  }

  /**
   * Changes the entry of {@code name} by {@code change} (its entry or null → the new one, or null
   * to leave it); {@code answer} turns whether the write succeeded into a message.
   */
  void update(
      String name,
      Replicator.WriteConsistency consistency,
      Function<AgentLocation, AgentLocation> change,
      Function<Boolean, Command> answer) {
    update(shardOf(name), consistency, Map.of(name, change), answer);
  }

  /**
   * Changes entries of {@code shard} in one update: each agent's by its function in {@code changes}
   * (as in the one-agent {@link #update}).
   */
  void update(
      int shard,
      Replicator.WriteConsistency consistency,
      Map<String, Function<AgentLocation, AgentLocation>> changes,
      Function<Boolean, Command> answer) {
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key(shard),
                LWWMap.create(),
                consistency,
                replyTo,
                map -> {
                  LWWMap<String, AgentLocation> next = map;
                  for (Map.Entry<String, Function<AgentLocation, AgentLocation>> c :
                      changes.entrySet()) {
                    AgentLocation entry = c.getValue().apply(map.getEntries().get(c.getKey()));
                    if (entry != null) {
                      next = next.put(selfUnique, c.getKey(), entry, LocationEntries.clock());
                    }
                  }
                  return next;
                }),
        rsp -> answer.apply(rsp instanceof Replicator.UpdateSuccess));
  }

  // ---- fencing, and the local view ----

  private Behavior<Command> onShardChanged(ShardChanged c) {
    for (LocalDirectory.Fenced f : local.changed(c.shard(), c.entries())) {
      context
          .getLog()
          .warn(
              "Agent {} was admitted on {} with epoch {} (here: {}): fencing the local session",
              f.name(),
              f.now().node(),
              f.now().epoch(),
              f.heldEpoch());
      if (registry != null) {
        registry.tell(f.fence());
      }
    }
    return Behaviors.same();
  }
}

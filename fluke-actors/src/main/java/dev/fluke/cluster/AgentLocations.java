package dev.fluke.cluster;

import dev.fluke.server.AgentAdmission;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
 * of that admission and the results received lately ({@link AgentLocation}). Kept in Distributed
 * Data as {@link #SHARDS} {@code LWWMap}s (an agent's shard is its name's hash), so no replicated
 * value grows with the whole fleet and a change gossips a small delta (docs/cluster.md, sizing).
 *
 * <p>It is the cluster's {@link AgentAdmission} ({@link #admission}): a registration reads the
 * agent's entry from a majority, applies {@link Placement}, asks the holding node when needed
 * ({@link NodeService.IsLive}) and writes the new entry to a majority before the agent is accepted.
 * Every entry's timestamp grows with its epoch, so the highest epoch wins a merge (ties: by node
 * address, the same on every node; {@link LocationEntries}). It watches every shard: when an agent
 * this node holds shows up on another node with an epoch at least its own, the local session is
 * stale and the registry is told to stop it ({@link AgentRegistry.Fence}); the replicas, the held
 * agents and that rule are in {@link LocalDirectory}. Refusals' reasons: {@link ClusterAdmission}.
 */
public final class AgentLocations {
  /** Shards of the directory (see docs/cluster.md: ~300 agents per shard at 10,000 agents). */
  public static final int SHARDS = 32;

  public sealed interface Command {}

  record Admit(String name, CompletableFuture<AgentAdmission.Decision> answer) implements Command {}

  record Release(String name, long epoch) implements Command {}

  record Received(String name, long epoch, String key, CompletableFuture<Void> done)
      implements Command {}

  record Attach(ActorRef<AgentRegistry.Command> registry) implements Command {}

  /**
   * Every entry as this node's replica has it (for listing agents of nodes that did not answer).
   */
  public record GetAll(ActorRef<Map<String, AgentLocation>> replyTo) implements Command {}

  /** The entry of one agent as this node's replica has it ({@code location} null: none). */
  public record Locate(String name, ActorRef<Located> replyTo) implements Command {}

  public record Located(AgentLocation location) {}

  private record Read(Admit admit, AgentLocation current, boolean failed) implements Command {}

  private record HolderAnswered(Admit admit, Placement.AskHolder ask, Boolean live)
      implements Command {}

  /** While the holder is asked: has it become unreachable or left meanwhile? */
  private record HolderCheck(Admit admit, Placement.AskHolder ask) implements Command {}

  /** How often a holder being asked is looked up in the membership. */
  private static final Duration HOLDER_CHECK = Duration.ofMillis(250);

  /** {@code entry} null: no majority confirmed it. */
  private record Written(Admit admit, AgentLocation entry) implements Command {}

  private record ShardChanged(int shard, Map<String, AgentLocation> entries) implements Command {}

  private record Ignored() implements Command {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator;
  private final SelfUniqueAddress selfUnique;
  private final String self;
  private final Membership membership;
  private final Duration timeout;
  private final LocalDirectory local;

  /** Admissions whose holder is being asked: the first of its answer or its loss decides. */
  private final Set<Admit> asking = new HashSet<>();

  private ActorRef<AgentRegistry.Command> registry;

  /**
   * @param timeout for majority reads and writes and for asking a holding node
   */
  public static Behavior<Command> create(Membership membership, Duration timeout) {
    return Behaviors.setup(
        ctx ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> r) ->
                    new AgentLocations(ctx, r, membership, timeout).behavior()));
  }

  /**
   * Starts this node's directory actor ({@code fluke-cluster-agents}); {@link #admission} is the
   * registry's view of it.
   */
  public static ActorRef<Command> start(ActorSystem<?> system) {
    return system.systemActorOf(
        create(Membership.of(system), ClusterBoot.askTimeout(system)),
        "fluke-cluster-agents",
        Props.empty());
  }

  /** The registry's view of this actor. */
  public static AgentAdmission admission(ActorRef<Command> locations) {
    return new ClusterAdmission(locations);
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
      Duration timeout) {
    this.context = context;
    this.replicator = replicator;
    this.selfUnique = DistributedData.get(context.getSystem()).selfUniqueAddress();
    this.self = membership.self();
    this.membership = membership;
    this.timeout = timeout;
    this.local = new LocalDirectory(self);
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
        .onMessage(Read.class, this::onRead)
        .onMessage(HolderAnswered.class, this::onHolderAnswered)
        .onMessage(HolderCheck.class, this::onHolderCheck)
        .onMessage(Written.class, this::onWritten)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Received.class, this::onReceived)
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

  // ---- admission: read (majority) → decide → ask the holder? → write (majority) ----

  private Behavior<Command> onAdmit(Admit a) {
    LWWMapKey<String, AgentLocation> key = key(shardOf(a.name()));
    replicator.askGet(
        replyTo -> new Replicator.Get<>(key, new Replicator.ReadMajority(timeout), replyTo),
        rsp ->
            rsp instanceof Replicator.GetSuccess<LWWMap<String, AgentLocation>> ok
                ? new Read(a, ok.get(key).getEntries().get(a.name()), false)
                : new Read(a, null, !(rsp instanceof Replicator.NotFound)));
    return Behaviors.same();
  }

  private Behavior<Command> onRead(Read r) {
    if (r.failed()) {
      return run(() -> r.admit().answer().complete(ClusterAdmission.unreadable(timeout)));
    }
    AgentLocation current = r.current();
    Placement.NodeState holder =
        current == null ? Placement.NodeState.GONE : membership.state(current.node());
    Placement.Step step = Placement.decide(current, self, holder);
    if (step instanceof Placement.Admit admit) {
      write(r.admit(), admit.epoch());
    } else if (step instanceof Placement.AskHolder ask) {
      asking.add(r.admit());
      context.scheduleOnce(HOLDER_CHECK, context.getSelf(), new HolderCheck(r.admit(), ask));
      context.pipeToSelf(
          NodeService.isLive(context.getSystem(), ask.node(), r.admit().name(), timeout),
          (live, failure) -> new HolderAnswered(r.admit(), ask, failure == null ? live : null));
    }
    return Behaviors.same();
  }

  /**
   * A crashed holder never answers, and the failure detector marks it unreachable within seconds:
   * the agent is admitted then (a takeover), not after the whole ask timeout and a refusal.
   */
  private Behavior<Command> onHolderCheck(HolderCheck c) {
    if (!asking.contains(c.admit())) {
      return Behaviors.same(); // answered meanwhile
    }
    if (membership.state(c.ask().node()) == Placement.NodeState.GONE) {
      asking.remove(c.admit());
      write(c.admit(), c.ask().epoch());
    } else {
      context.scheduleOnce(HOLDER_CHECK, context.getSelf(), c);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onHolderAnswered(HolderAnswered h) {
    if (!asking.remove(h.admit())) {
      return Behaviors.same(); // already taken over: its holder was lost while asked
    }
    if (Placement.admitAfterAsking(h.live(), membership.state(h.ask().node()))) {
      write(h.admit(), h.ask().epoch());
    } else {
      h.admit()
          .answer()
          .complete(ClusterAdmission.heldElsewhere(h.admit().name(), h.ask().node(), h.live()));
    }
    return Behaviors.same();
  }

  private void write(Admit a, long epoch) {
    AgentLocation[] written = new AgentLocation[1];
    update(
        a.name(),
        new Replicator.WriteMajority(timeout),
        before -> written[0] = LocationEntries.admitted(before, self, epoch),
        ok -> new Written(a, ok ? written[0] : null));
  }

  private Behavior<Command> onWritten(Written w) {
    if (w.entry() == null) {
      return run(() -> w.admit().answer().complete(ClusterAdmission.unrecorded(timeout)));
    }
    local.admitted(w.admit().name(), w.entry().epoch());
    return run(() -> w.admit().answer().complete(ClusterAdmission.admitted(w.entry())));
  }

  // ---- the holder's own updates ----

  private Behavior<Command> onRelease(Release r) {
    if (local.released(r.name(), r.epoch())) {
      update(
          r.name(),
          Replicator.writeLocal(),
          own(r.epoch(), AgentLocation::released),
          ok -> new Ignored());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReceived(Received r) {
    update(
        r.name(),
        new Replicator.WriteMajority(timeout),
        own(r.epoch(), l -> l.withReceived(r.key())),
        ok -> {
          if (!ok) {
            context
                .getLog()
                .warn(
                    "Recording a result of agent {} reached no majority within {}; it is kept"
                        + " locally and gossiped",
                    r.name(),
                    timeout);
          }
          r.done().complete(null);
          return new Ignored();
        });
    return Behaviors.same();
  }

  /** A change of this node's own entry, only while it is still the one in force (else none). */
  private Function<AgentLocation, AgentLocation> own(
      long epoch, Function<AgentLocation, AgentLocation> change) {
    return l -> LocationEntries.ownInForce(l, self, epoch) ? change.apply(l) : null;
  }

  /**
   * Changes the entry of {@code name} by {@code change} (its entry or null → the new one, or null
   * to leave it); {@code answer} turns whether the write succeeded into a message.
   */
  private void update(
      String name,
      Replicator.WriteConsistency consistency,
      Function<AgentLocation, AgentLocation> change,
      Function<Boolean, Command> answer) {
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key(shardOf(name)),
                LWWMap.create(),
                consistency,
                replyTo,
                map -> {
                  AgentLocation next = change.apply(map.getEntries().get(name));
                  return next == null
                      ? map
                      : map.put(selfUnique, name, next, LocationEntries.clock());
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

package dev.fluke.cluster;

import dev.fluke.server.AgentAdmission;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.LWWRegister;
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
 * address, the same on every node). It watches every shard: when an agent this node holds shows up
 * on another node with an epoch at least its own, the local session is stale and the registry is
 * told to stop it ({@link AgentRegistry.Fence}).
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

  private record Read(Admit admit, AgentLocation current, String failure) implements Command {}

  private record HolderAnswered(Admit admit, Placement.AskHolder ask, Boolean live)
      implements Command {}

  private record Written(Admit admit, long epoch, List<String> received, String failure)
      implements Command {}

  private record ShardChanged(int shard, LWWMap<String, AgentLocation> map) implements Command {}

  private record Ignored() implements Command {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator;
  private final SelfUniqueAddress selfUnique;
  private final String self;
  private final Membership membership;
  private final Duration timeout;
  private final Map<Integer, LWWMap<String, AgentLocation>> replicas = new HashMap<>();

  /** The agents this node admitted and still holds, with their epochs. */
  private final Map<String, Long> held = new HashMap<>();

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
    return new AgentAdmission() {
      @Override
      public boolean local() {
        return false;
      }

      @Override
      public void attach(ActorRef<AgentRegistry.Command> registry) {
        locations.tell(new Attach(registry));
      }

      @Override
      public CompletionStage<Decision> admit(String name) {
        CompletableFuture<Decision> answer = new CompletableFuture<>();
        locations.tell(new Admit(name, answer));
        return answer;
      }

      @Override
      public void released(String name, long epoch) {
        locations.tell(new Release(name, epoch));
      }

      @Override
      public CompletionStage<Void> received(String name, long epoch, String resultKey) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        locations.tell(new Received(name, epoch, resultKey, done));
        return done;
      }
    };
  }

  static LWWMapKey<String, AgentLocation> key(int shard) {
    return new LWWMapKey<>("fluke-agents-" + shard);
  }

  static int shardOf(String name) {
    return Math.floorMod(name.hashCode(), SHARDS);
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
    // One function for every shard: Pekko keeps one subscription adapter per actor (the last
    // registered), so the shard is read from the key of each change.
    for (int i = 0; i < SHARDS; i++) {
      replicator.subscribe(
          key(i),
          rsp ->
              rsp instanceof Replicator.Changed<LWWMap<String, AgentLocation>> c
                  ? new ShardChanged(shardOfKey(c.key().id()), c.get(c.key()))
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
        .onMessage(Written.class, this::onWritten)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Received.class, this::onReceived)
        .onMessage(ShardChanged.class, this::onShardChanged)
        .onMessage(GetAll.class, this::onGetAll)
        .onMessage(
            Locate.class,
            l -> {
              LWWMap<String, AgentLocation> shard = replicas.get(shardOf(l.name()));
              l.replyTo()
                  .tell(new Located(shard == null ? null : shard.getEntries().get(l.name())));
              return Behaviors.same();
            })
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
        rsp -> {
          if (rsp instanceof Replicator.GetSuccess<LWWMap<String, AgentLocation>> ok) {
            return new Read(a, ok.get(key).getEntries().get(a.name()), null);
          } else if (rsp instanceof Replicator.NotFound<LWWMap<String, AgentLocation>>) {
            return new Read(a, null, null);
          }
          return new Read(a, null, "no majority of the nodes answered within " + timeout);
        });
    return Behaviors.same();
  }

  private Behavior<Command> onRead(Read r) {
    if (r.failure() != null) {
      r.admit()
          .answer()
          .complete(
              AgentAdmission.Decision.refused(
                  "the cluster's agent directory cannot be read: " + r.failure() + "; retry"));
      return Behaviors.same();
    }
    AgentLocation current = r.current();
    Placement.NodeState holder =
        current == null ? Placement.NodeState.GONE : membership.state(current.node());
    Placement.Step step = Placement.decide(current, self, holder);
    if (step instanceof Placement.Admit admit) {
      write(r.admit(), admit.epoch());
    } else if (step instanceof Placement.AskHolder ask) {
      context.pipeToSelf(
          NodeService.isLive(context.getSystem(), ask.node(), r.admit().name(), timeout),
          (live, failure) -> new HolderAnswered(r.admit(), ask, failure == null ? live : null));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onHolderAnswered(HolderAnswered h) {
    if (Placement.admitAfterAsking(h.live(), membership.state(h.ask().node()))) {
      write(h.admit(), h.ask().epoch());
    } else {
      String why =
          Boolean.TRUE.equals(h.live())
              ? "an agent named "
                  + h.admit().name()
                  + " is already connected to server node "
                  + h.ask().node()
              : "agent "
                  + h.admit().name()
                  + " is held by server node "
                  + h.ask().node()
                  + ", which did not say in time whether its session is alive; retry";
      h.admit().answer().complete(AgentAdmission.Decision.refused(why));
    }
    return Behaviors.same();
  }

  private void write(Admit a, long epoch) {
    String name = a.name();
    LWWMapKey<String, AgentLocation> key = key(shardOf(name));
    AgentLocation[] written = new AgentLocation[1];
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key,
                LWWMap.create(),
                new Replicator.WriteMajority(timeout),
                replyTo,
                map -> {
                  AgentLocation before = map.getEntries().get(name);
                  AgentLocation next =
                      before == null
                          ? new AgentLocation(self, epoch, true, List.of())
                          : before.admittedOn(self, Math.max(epoch, before.epoch() + 1));
                  written[0] = next;
                  return map.put(selfUnique, name, next, clock());
                }),
        rsp ->
            rsp instanceof Replicator.UpdateSuccess
                ? new Written(a, written[0].epoch(), written[0].received(), null)
                : new Written(
                    a,
                    written[0] == null ? epoch : written[0].epoch(),
                    List.of(),
                    "no majority of the nodes confirmed within " + timeout));
  }

  private Behavior<Command> onWritten(Written w) {
    if (w.failure() != null) {
      w.admit()
          .answer()
          .complete(
              AgentAdmission.Decision.refused(
                  "the cluster's agent directory could not record the registration: "
                      + w.failure()
                      + "; retry"));
      return Behaviors.same();
    }
    held.put(w.admit().name(), w.epoch());
    w.admit().answer().complete(AgentAdmission.Decision.admitted(w.epoch(), w.received()));
    return Behaviors.same();
  }

  // ---- the holder's own updates ----

  private Behavior<Command> onRelease(Release r) {
    if (!Long.valueOf(r.epoch()).equals(held.get(r.name()))) {
      return Behaviors.same();
    }
    held.remove(r.name());
    updateOwn(r.name(), r.epoch(), AgentLocation::released, Replicator.writeLocal(), null);
    return Behaviors.same();
  }

  private Behavior<Command> onReceived(Received r) {
    updateOwn(
        r.name(),
        r.epoch(),
        l -> l.withReceived(r.key()),
        new Replicator.WriteMajority(timeout),
        r.done());
    return Behaviors.same();
  }

  /** Changes this node's own entry of {@code name}, only while it is still the one in force. */
  private void updateOwn(
      String name,
      long epoch,
      Function<AgentLocation, AgentLocation> change,
      Replicator.WriteConsistency consistency,
      CompletableFuture<Void> done) {
    LWWMapKey<String, AgentLocation> key = key(shardOf(name));
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key,
                LWWMap.create(),
                consistency,
                replyTo,
                map -> {
                  AgentLocation l = map.getEntries().get(name);
                  if (l == null || !l.node().equals(self) || l.epoch() != epoch) {
                    return map; // another node took the agent over: its entry stays
                  }
                  return map.put(selfUnique, name, change.apply(l), clock());
                }),
        rsp -> {
          if (done != null) {
            if (!(rsp instanceof Replicator.UpdateSuccess)) {
              context
                  .getLog()
                  .warn(
                      "Recording a result of agent {} reached no majority within {}; it is kept"
                          + " locally and gossiped",
                      name,
                      timeout);
            }
            done.complete(null);
          }
          return new Ignored();
        });
  }

  /**
   * Timestamps grow with the epoch: any entry of a higher epoch wins a merge over every entry of a
   * lower one, and updates within one epoch (release, received results) win over the earlier ones.
   */
  private static LWWRegister.Clock<AgentLocation> clock() {
    return (current, value) -> Math.max(current + 1, value.epoch() << 32);
  }

  // ---- fencing, and the local view ----

  private Behavior<Command> onShardChanged(ShardChanged c) {
    replicas.put(c.shard(), c.map());
    if (held.isEmpty()) {
      return Behaviors.same();
    }
    Map<String, AgentLocation> entries = c.map().getEntries();
    for (Map.Entry<String, Long> h : Map.copyOf(held).entrySet()) {
      if (shardOf(h.getKey()) != c.shard()) {
        continue;
      }
      AgentLocation l = entries.get(h.getKey());
      if (l != null && !l.node().equals(self) && l.epoch() >= h.getValue()) {
        held.remove(h.getKey());
        context
            .getLog()
            .warn(
                "Agent {} was admitted on {} with epoch {} (here: {}): fencing the local session",
                h.getKey(),
                l.node(),
                l.epoch(),
                h.getValue());
        if (registry != null) {
          registry.tell(new AgentRegistry.Fence(h.getKey(), l.epoch(), l.node()));
        }
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onGetAll(GetAll g) {
    Map<String, AgentLocation> all = new HashMap<>();
    for (LWWMap<String, AgentLocation> m : replicas.values()) {
      all.putAll(m.getEntries());
    }
    g.replyTo().tell(all);
    return Behaviors.same();
  }

  /** For tests and metrics: the epoch this node holds {@code name} with. */
  Optional<Long> heldEpoch(String name) {
    return Optional.ofNullable(held.get(name));
  }
}

package dev.fluke.cluster;

import com.typesafe.config.Config;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Brings agents to a node that holds fewer than its share (docs/cluster.md, "Rebalancing"): a node
 * that was restarted, or one added to grow the fleet, otherwise gets agents only as other nodes
 * lose theirs. Every {@code interval} each node reads its replica of the agent directory ({@link
 * AgentLocations.GetAll}) and, once the membership has been the same, every member Up and
 * reachable, for {@code settle}, and the fleet has stopped growing or shrinking for as long ({@link
 * FleetSteadiness}), hands the agents it holds above its share to the other nodes ({@link
 * FleetShare}): its registry ends the streams of that many idle agents ({@link
 * AgentRegistry.Shed}), which reconnect to the next server of their {@code server_urls}. Nothing
 * moves during a rolling restart or a partition (the membership is not settled then), nor while a
 * fleet comes up, nor in a round after more agents than the slack arrived at this node: another
 * node is failing over (it stays an Up, reachable member until the failure detector speaks, and
 * agents moved then would pick it too). A node that is receiving stops handing over down to its
 * share.
 */
public final class Rebalancer {

  sealed interface Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  private record Entries(Map<String, AgentLocation> all) implements Command {}

  /** The registry asked these agents to move (name → the epoch of its session here). */
  private record Asked(Map<String, Long> epochs, Instant at) implements Command {}

  /**
   * @param settle how long the membership must stay the same (and whole) before agents move
   * @param maxPerRound agents one node hands over per round at most
   */
  record Settings(boolean enabled, Duration interval, Duration settle, int maxPerRound) {
    static Settings of(Config c) {
      return new Settings(
          c.getBoolean("enabled"),
          c.getDuration("interval"),
          c.getDuration("settle"),
          c.getInt("max-per-round"));
    }
  }

  private final ActorContext<Command> context;
  private final Membership membership;
  private final ActorRef<AgentLocations.Command> locations;
  private final ActorRef<AgentRegistry.Command> registry;
  private final Settings settings;
  private final ActorRef<Map<String, AgentLocation>> entries;
  private List<Membership.Node> view = List.of();
  private int settledTicks;
  private final AgentMoves moves = new AgentMoves(Duration.ofMinutes(1));
  private final FleetSteadiness fleet;
  private final ShedRounds rounds;

  /** Starts this node's rebalancer unless {@code fluke.cluster.rebalance.enabled} is off. */
  public static void start(
      ActorSystem<?> system,
      ActorRef<AgentLocations.Command> locations,
      ActorRef<AgentRegistry.Command> registry) {
    Settings s = Settings.of(system.settings().config().getConfig("fluke.cluster.rebalance"));
    if (s.enabled()) {
      system.systemActorOf(
          create(Membership.of(system), locations, registry, s),
          "fluke-cluster-rebalancer",
          Props.empty());
    }
  }

  static Behavior<Command> create(
      Membership membership,
      ActorRef<AgentLocations.Command> locations,
      ActorRef<AgentRegistry.Command> registry,
      Settings settings) {
    return Behaviors.setup(
        ctx -> {
          ctx.setLoggerName(Rebalancer.class);
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.interval());
                return new Rebalancer(ctx, membership, locations, registry, settings).behavior();
              });
        });
  }

  private Rebalancer(
      ActorContext<Command> context,
      Membership membership,
      ActorRef<AgentLocations.Command> locations,
      ActorRef<AgentRegistry.Command> registry,
      Settings settings) {
    this.context = context;
    this.membership = membership;
    this.locations = locations;
    this.registry = registry;
    this.settings = settings;
    this.entries = adapter(context);
    this.fleet = new FleetSteadiness(settings.settle());
    this.rounds = new ShedRounds(settings.maxPerRound());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ActorRef<Map<String, AgentLocation>> adapter(ActorContext<Command> context) {
    return (ActorRef) context.messageAdapter(Map.class, m -> new Entries(m));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Entries.class, this::onEntries)
        .onMessage(Asked.class, this::onAsked)
        .build();
  }

  /**
   * Counts the ticks the membership stayed the same and whole; asks for the entries (the fleet's
   * steadiness is followed all along).
   */
  private Behavior<Command> onTick() {
    List<Membership.Node> now = membership.members();
    boolean whole =
        now.size() > 1 && now.stream().allMatch(n -> n.reachable() && "up".equals(n.status()));
    settledTicks = whole && now.equals(view) ? settledTicks + 1 : 0;
    view = now;
    locations.tell(new AgentLocations.GetAll(entries));
    return Behaviors.same();
  }

  private Behavior<Command> onEntries(Entries e) {
    Instant now = Instant.now();
    int inTransit = moves.inTransit(e.all(), membership.self(), now);
    if (inTransit < 0) {
      return Behaviors.same(); // the last round's sessions are still ending
    }
    Set<String> serving = view.stream().map(Membership.Node::address).collect(Collectors.toSet());
    FleetShare share = FleetShare.of(e.all().values(), serving, membership.self()).plus(inTransit);
    boolean steady = fleet.steady(e.all().size(), now);
    boolean settled =
        (long) settledTicks * settings.interval().toMillis() >= settings.settle().toMillis();
    ShedRounds.Round round = rounds.next(share, settled && steady);
    if (round.heldBack() > 0) {
      context
          .getLog()
          .info(
              "Rebalancing waits a round: this node holds {} of the {} agents on {} nodes (share"
                  + " {}), but more than {} arrived since the last round, as when another node"
                  + " fails over; {} idle agents stay",
              share.held(),
              share.total(),
              share.nodes(),
              share.share(),
              share.slack(),
              round.heldBack());
    }
    int shed = round.shed();
    if (shed > 0) {
      context
          .getLog()
          .info(
              "Rebalancing: this node holds {} of the {} agents on {} nodes (share {}); moving {}"
                  + " idle agents to the other nodes",
              share.held(),
              share.total(),
              share.nodes(),
              share.share(),
              shed);
      context.ask(
          AgentRegistry.Shedding.class,
          registry,
          ClusterBoot.askTimeout(context.getSystem()),
          replyTo -> new AgentRegistry.Shed(shed, share.why(), replyTo),
          (asked, failure) -> new Asked(asked == null ? Map.of() : asked.epochs(), now));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onAsked(Asked a) {
    moves.asked(a.epochs(), a.at());
    return Behaviors.same();
  }
}

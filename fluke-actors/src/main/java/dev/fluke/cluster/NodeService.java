package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A node's face to the other nodes: registered with the cluster {@link Receptionist} under {@link
 * #KEY}, it answers questions about the agents this node holds by asking its local {@link
 * AgentRegistry}. Every message it takes and sends crosses nodes (CBOR).
 */
public final class NodeService {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "fluke-node");

  public sealed interface Command extends CborSerializable {}

  /** Does this node hold a live session of agent {@code name}? */
  public record IsLive(String name, ActorRef<Liveness> replyTo) implements Command {}

  public record Liveness(boolean live) implements CborSerializable {}

  /**
   * A page of the agents this node knows (its registry: connected and recently disconnected), from
   * {@code offset}, at most {@link #PAGE} (so no message nears Artery's frame size).
   */
  public record GetAgents(int offset, ActorRef<AgentsPage> replyTo) implements Command {}

  /**
   * @param total how many agents the node knows: the asker pages on while {@code offset +
   *     agents.size() < total}
   */
  public record AgentsPage(List<Dto.AgentSummary> agents, int total) implements CborSerializable {}

  /** How many agents this node holds, and its version. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  public record Stats(int agents, String version) implements CborSerializable {}

  /** Summaries per page: ~500 bytes each in CBOR, well below the 256 KiB frame. */
  public static final int PAGE = 200;

  private NodeService() {}

  public static Behavior<Command> create(
      ActorRef<AgentRegistry.Command> registry, Duration timeout, String version) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          return Behaviors.receive(Command.class)
              .onMessage(
                  IsLive.class,
                  q -> {
                    // A registry that does not answer in time counts as "live": refusing a
                    // registration is safe, admitting a duplicate is not.
                    CompletionStage<Boolean> live =
                        AskPattern.<AgentRegistry.Command, Boolean>ask(
                                registry,
                                r -> new AgentRegistry.IsLive(q.name(), r),
                                timeout,
                                ctx.getSystem().scheduler())
                            .exceptionally(e -> true);
                    live.thenAccept(l -> q.replyTo().tell(new Liveness(l)));
                    return Behaviors.same();
                  })
              .onMessage(
                  GetAgents.class,
                  q -> {
                    agents(ctx.getSystem(), registry, timeout)
                        .thenAccept(
                            all -> {
                              int from = Math.min(q.offset(), all.size());
                              int to = Math.min(from + PAGE, all.size());
                              q.replyTo()
                                  .tell(
                                      new AgentsPage(
                                          List.copyOf(all.subList(from, to)), all.size()));
                            });
                    return Behaviors.same();
                  })
              .onMessage(
                  GetStats.class,
                  q -> {
                    agents(ctx.getSystem(), registry, timeout)
                        .thenAccept(
                            all ->
                                q.replyTo()
                                    .tell(
                                        new Stats(
                                            (int)
                                                all.stream()
                                                    .filter(Dto.AgentSummary::connected)
                                                    .count(),
                                            version)));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private static CompletionStage<List<Dto.AgentSummary>> agents(
      ActorSystem<?> system, ActorRef<AgentRegistry.Command> registry, Duration timeout) {
    return AskPattern.ask(registry, AgentRegistry.GetAgents::new, timeout, system.scheduler());
  }

  /**
   * Asks the node at {@code node} (its address) whether it holds a live session of {@code name};
   * fails when that node's service is not known or does not answer within {@code timeout}.
   */
  public static CompletionStage<Boolean> isLive(
      ActorSystem<?> system, String node, String name, Duration timeout) {
    return find(system, node, timeout)
        .thenCompose(
            ref ->
                AskPattern.<Command, Liveness>ask(
                    ref, r -> new IsLive(name, r), timeout, system.scheduler()))
        .thenApply(Liveness::live);
  }

  /** The service of the node at {@code node}, from the receptionist's listing. */
  static CompletionStage<ActorRef<Command>> find(
      ActorSystem<?> system, String node, Duration timeout) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), r -> Receptionist.find(KEY, r), timeout, system.scheduler())
        .thenCompose(
            listing -> {
              for (ActorRef<Command> ref : listing.getServiceInstances(KEY)) {
                if (ClusterBoot.addressOf(system, ref).equals(node)) {
                  return CompletableFuture.completedFuture(ref);
                }
              }
              return CompletableFuture.failedFuture(
                  new IllegalStateException("node " + node + " has no fluke-node service"));
            });
  }
}

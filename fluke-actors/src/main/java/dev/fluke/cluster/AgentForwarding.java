package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The questions about one agent that any node answers by asking the node holding its session (the
 * agent directory's entry on this node's replica names it): its detail and a manual reconcile. An
 * agent held here, unknown, or whose last node is no longer a member is answered by this node as on
 * one server; a holding node that does not answer in time gives a detail with nothing shown as
 * current, or a refused reconcile.
 */
final class AgentForwarding {
  private final ActorSystem<?> system;
  private final FleetApi local;
  private final Membership membership;
  private final ActorRef<AgentLocations.Command> directory;
  private final NodeFanout fanout;
  private final Clock clock;
  private final Duration timeout;

  AgentForwarding(
      ActorSystem<?> system,
      FleetApi local,
      Membership membership,
      ActorRef<AgentLocations.Command> directory,
      NodeFanout fanout,
      Clock clock) {
    this.system = system;
    this.local = local;
    this.membership = membership;
    this.directory = directory;
    this.fanout = fanout;
    this.clock = clock;
    this.timeout = fanout.timeout();
  }

  /** The directory's entry of {@code name} on this node's replica (null: none). */
  private CompletionStage<AgentLocation> locate(String name) {
    return AskPattern.<AgentLocations.Command, AgentLocations.Located>ask(
            directory, r -> new AgentLocations.Locate(name, r), timeout, system.scheduler())
        .thenApply(AgentLocations.Located::location)
        .exceptionally(t -> null);
  }

  /**
   * The node to ask about {@code name}: the one the directory names (live or where its session last
   * ended), when it is another node whose service is listed; else this node answers (an agent held
   * here, unknown, or of a node no longer in the cluster: answered as today).
   */
  private CompletionStage<Holder> holderOf(String name, boolean liveOnly) {
    return locate(name)
        .thenCompose(
            l -> {
              if (l == null || (liveOnly && !l.live()) || l.node().equals(membership.self())) {
                return CompletableFuture.completedFuture(new Holder(null, null, l));
              }
              boolean member =
                  membership.members().stream()
                      .anyMatch(n -> n.address().equals(l.node()) && !n.status().equals("down"));
              if (!member) {
                return CompletableFuture.completedFuture(new Holder(null, null, l));
              }
              // An unreachable node's service is not listed: it is asked nothing and did not
              // answer.
              return fanout
                  .services()
                  .exceptionally(t -> Map.of())
                  .thenApply(s -> new Holder(l.node(), s.get(l.node()), l));
            });
  }

  /**
   * @param node another member holding the agent, or null when this node answers
   * @param service its service; null when it is not listed (unreachable)
   */
  private record Holder(String node, ActorRef<NodeService.Command> service, AgentLocation entry) {
    boolean elsewhere() {
      return node != null;
    }

    <T> CompletableFuture<T> ask(
        NodeFanout fanout,
        java.util.function.Function<ActorRef<Chunks.Chunk>, NodeService.Question> q,
        com.fasterxml.jackson.databind.JavaType type) {
      return service == null
          ? CompletableFuture.failedFuture(new IllegalStateException(node + " is not listed"))
          : fanout.one(service, q, type);
    }
  }

  /** One agent's detail, from the node holding it. */
  CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    return holderOf(name, false)
        .thenCompose(
            h -> {
              if (!h.elsewhere()) {
                return localAgent(name);
              }
              CompletableFuture<Optional<Dto.AgentDetail>> there =
                  h.ask(
                      fanout,
                      r -> new NodeService.AskAgent(name, r),
                      fanout
                          .types()
                          .constructParametricType(Optional.class, Dto.AgentDetail.class));
              return there
                  .thenCompose(
                      d ->
                          d.isPresent()
                              ? CompletableFuture.completedFuture(
                                  d.map(x -> x.agent().node() == null ? withNode(x, h.node()) : x))
                              : localAgent(name))
                  .exceptionallyCompose(
                      t ->
                          h.entry().live()
                              ? CompletableFuture.completedFuture(
                                  Optional.of(notAnswered(name, h.node())))
                              : localAgent(name));
            });
  }

  /** This node's own view of the agent, with this node as the one that knows it. */
  private CompletionStage<Optional<Dto.AgentDetail>> localAgent(String name) {
    return local
        .agent(name)
        .thenApply(d -> d.map(x -> x.agent().node() == null ? withNode(x, membership.self()) : x));
  }

  private static Dto.AgentDetail withNode(Dto.AgentDetail d, String node) {
    return new Dto.AgentDetail(
        d.agent().onNode(node),
        d.tasks(),
        d.recentEvents(),
        d.historyUnavailable(),
        d.lastManual());
  }

  /** The detail of an agent whose node did not answer: nothing of it shown as current. */
  private Dto.AgentDetail notAnswered(String name, String node) {
    return new Dto.AgentDetail(
        AgentListMerge.unknown(name, node),
        List.of(),
        List.of(),
        "server node " + node + " holding this agent did not answer within " + timeout,
        null);
  }

  /** A manual reconcile of one agent, started by the node holding it. */
  CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target, boolean force) {
    return holderOf(target.name(), true)
        .thenCompose(
            h -> {
              if (!h.elsewhere()) {
                return local.reconcile(target, force);
              }
              CompletableFuture<Dto.ReconcileAccepted> there =
                  h.ask(
                      fanout,
                      r -> new NodeService.AskReconcile(target, force, r),
                      fanout.types().constructType(Dto.ReconcileAccepted.class));
              return there.exceptionally(
                  t ->
                      new Dto.ReconcileAccepted(
                          false,
                          "server node "
                              + h.node()
                              + " holding agent "
                              + target.name()
                              + " did not answer within "
                              + timeout
                              + ": the reconcile may or may not have started; retry",
                          target,
                          List.of(),
                          clock.instant(),
                          0));
            });
  }
}

package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The cluster's lists read straight from every node's {@link NodeService} and from the agent
 * directory, for {@link ClusterFleetApi}: the agents of every node (paged, one deadline for all,
 * merged by {@link AgentListMerge}), the nodes with their own figures, and which node holds each
 * live agent.
 */
final class FleetListing {
  private final ActorSystem<?> system;
  private final FleetApi local;
  private final Membership membership;
  private final ActorRef<AgentLocations.Command> directory;
  private final NodeFanout fanout;
  private final String version;
  private final Duration timeout;

  FleetListing(
      ActorSystem<?> system,
      FleetApi local,
      Membership membership,
      ActorRef<AgentLocations.Command> directory,
      NodeFanout fanout,
      String version,
      Duration timeout) {
    this.system = system;
    this.local = local;
    this.membership = membership;
    this.directory = directory;
    this.fanout = fanout;
    this.version = version;
    this.timeout = timeout;
  }

  /**
   * Every node's agents, merged; the nodes that did not answer in time are named. The directory is
   * read as the question starts and this node's own agents once the others have answered (or not):
   * an agent that moves here, or to a node that had already answered, while a silent node is
   * awaited is listed (connected here, or as unknown on the node the directory named), never left
   * out.
   */
  CompletionStage<Dto.Partial<List<Dto.AgentSummary>>> agents() {
    String self = membership.self();
    CompletableFuture<Map<String, AgentLocation>> placed = locations().toCompletableFuture();
    return fanout
        .services()
        .thenCompose(
            services -> {
              Map<String, CompletableFuture<List<Dto.AgentSummary>>> asked = new TreeMap<>();
              for (var e : services.entrySet()) {
                if (!e.getKey().equals(self)) {
                  asked.put(e.getKey(), allPages(e.getValue(), 0, new ArrayList<>()));
                }
              }
              CompletableFuture<?>[] all =
                  asked.values().stream()
                      .map(f -> f.exceptionally(t -> null))
                      .toArray(CompletableFuture[]::new);
              return placed
                  .thenCombine(CompletableFuture.allOf(all), (locations, ignored) -> locations)
                  .thenCompose(
                      locations ->
                          local.agents().thenApply(mine -> merged(self, mine, asked, locations)));
            });
  }

  private Dto.Partial<List<Dto.AgentSummary>> merged(
      String self,
      List<Dto.AgentSummary> mine,
      Map<String, CompletableFuture<List<Dto.AgentSummary>>> asked,
      Map<String, AgentLocation> locations) {
    Map<String, List<Dto.AgentSummary>> answers = new TreeMap<>();
    asked.forEach(
        (node, f) -> answers.put(node, f.isCompletedExceptionally() ? null : f.getNow(null)));
    // Members that are up but whose service was not even listed did not answer either.
    List<String> unlisted = new ArrayList<>();
    for (Membership.Node n : membership.members()) {
      if (!n.self() && !asked.containsKey(n.address()) && !n.status().equals("down")) {
        unlisted.add(n.address());
      }
    }
    return AgentListMerge.merge(self, mine, answers, unlisted, locations);
  }

  private CompletableFuture<List<Dto.AgentSummary>> allPages(
      ActorRef<NodeService.Command> node, int offset, List<Dto.AgentSummary> so) {
    return AskPattern.<NodeService.Command, NodeService.AgentsPage>ask(
            node, r -> new NodeService.GetAgents(offset, r), timeout, system.scheduler())
        .toCompletableFuture()
        .thenCompose(
            page -> {
              so.addAll(page.agents());
              int next = offset + page.agents().size();
              return page.agents().isEmpty() || next >= page.total()
                  ? CompletableFuture.completedFuture(so)
                  : allPages(node, next, so);
            })
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Every member with its status, and the figures of those that answered in time. */
  CompletionStage<List<Dto.NodeInfo>> nodes() {
    String oldest = membership.oldestUp();
    return fanout
        .services()
        .exceptionally(t -> Map.of())
        .thenCompose(
            services -> {
              List<CompletableFuture<Dto.NodeInfo>> infos = new ArrayList<>();
              for (Membership.Node n : membership.members()) {
                List<String> singletons =
                    n.address().equals(oldest) ? List.of(ClusterGit.SINGLETON) : List.of();
                ActorRef<NodeService.Command> service = services.get(n.address());
                CompletableFuture<NodeService.Stats> stats =
                    service == null || !n.reachable()
                        ? CompletableFuture.failedFuture(new IllegalStateException("not asked"))
                        : AskPattern.<NodeService.Command, NodeService.Stats>ask(
                                service, NodeService.GetStats::new, timeout, system.scheduler())
                            .toCompletableFuture();
                infos.add(
                    stats.handle(
                        (s, failure) ->
                            new Dto.NodeInfo(
                                n.address(),
                                n.status(),
                                n.reachable(),
                                s != null,
                                s != null ? s.agents() : -1,
                                n.leader(),
                                singletons,
                                s != null ? s.version() : (n.self() ? version : null),
                                n.self())));
              }
              return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
                  .thenApply(v -> infos.stream().map(CompletableFuture::join).toList());
            });
  }

  /** The node holding each live agent, from this node's replica of the directory. */
  CompletionStage<Map<String, String>> holders() {
    return locations()
        .thenApply(
            all -> {
              Map<String, String> out = new HashMap<>();
              all.forEach(
                  (name, l) -> {
                    if (l.live()) {
                      out.put(name, l.node());
                    }
                  });
              return out;
            });
  }

  /** This node's replica of the agent directory; empty when it does not answer in time. */
  private CompletionStage<Map<String, AgentLocation>> locations() {
    return AskPattern.<AgentLocations.Command, Map<String, AgentLocation>>ask(
            directory, AgentLocations.GetAll::new, timeout, system.scheduler())
        .exceptionally(t -> Map.of());
  }
}

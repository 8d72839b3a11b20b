package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A cluster node's answer to {@code GET /api/v1/events}. With a shared event store (Redis: every
 * node writes and reads the same history) this node's store already holds the whole fleet's
 * history, and asking the others would list every event once per node: the answer is this node's.
 * With stores of their own (memory), every node is asked the same query ({@code everyNode}: {@link
 * NodeService.AskEvents} through {@link NodeFanout}) and the answers merged ({@link EventsMerge}),
 * naming the nodes that did not answer in time. When no node answered at all, this node's store is
 * asked again so its failure (the history is unavailable) is the answer, as on one server.
 */
final class ClusterEvents {
  private final Function<EventQuery, CompletionStage<List<Event>>> local;
  private final boolean shared;
  private final Function<EventQuery, CompletionStage<NodeFanout.Gathered<List<Event>>>> everyNode;

  /**
   * @param local this node's own history ({@link FleetApi#events} of its engine)
   * @param shared the store is shared by every node (Redis): {@code everyNode} is never asked
   * @param everyNode asks every node's engine the query (this node's through {@code local})
   */
  ClusterEvents(
      Function<EventQuery, CompletionStage<List<Event>>> local,
      boolean shared,
      Function<EventQuery, CompletionStage<NodeFanout.Gathered<List<Event>>>> everyNode) {
    this.local = local;
    this.shared = shared;
    this.everyNode = everyNode;
  }

  /** Whether {@link #events} asks every node (the store is not shared). */
  boolean merges() {
    return !shared;
  }

  /**
   * One agent's detail (from the node holding it) with the agent's recent events from every node
   * (an agent that moved has its history on each node it was on): {@code history} null when no node
   * could answer (the detail is kept as it came); a node that did not answer is named in {@code
   * history_unavailable}, after what the detail already said.
   */
  static Dto.AgentDetail withHistory(Dto.AgentDetail detail, Dto.Partial<List<Event>> history) {
    if (history == null) {
      return detail;
    }
    String unavailable = detail.historyUnavailable();
    if (!history.complete()) {
      String note =
          "server node(s) did not answer, their events of this agent are not listed: "
              + String.join(", ", history.missingNodes());
      unavailable = unavailable == null ? note : unavailable + "; " + note;
    }
    return detail.withHistory(history.value(), unavailable);
  }

  CompletionStage<Dto.Partial<List<Event>>> events(EventQuery query) {
    if (shared) {
      return local.apply(query).thenApply(Dto.Partial::complete);
    }
    return everyNode
        .apply(query)
        .thenCompose(
            g ->
                g.answers().isEmpty()
                    ? local.apply(query).thenApply(mine -> new Dto.Partial<>(mine, g.missing()))
                    : java.util.concurrent.CompletableFuture.completedFuture(
                        new Dto.Partial<>(EventsMerge.merge(g.answers(), query), g.missing())));
  }
}

package dev.fluke.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * This node's questions to the other nodes' {@link NodeService}s, found through the cluster
 * receptionist: the asking side of what {@link NodeService} answers. Plain static calls; every
 * answer comes back as a stage.
 */
final class NodeQuestions {
  private NodeQuestions() {}

  /**
   * Asks the node at {@code node} (its address) whether it holds a live session of {@code name};
   * fails when that node's service is not known or does not answer within {@code timeout}.
   */
  static CompletionStage<Boolean> isLive(
      ActorSystem<?> system, String node, String name, Duration timeout) {
    return find(system, node, timeout)
        .thenCompose(
            ref ->
                AskPattern.<NodeService.Command, NodeService.Liveness>ask(
                    ref, r -> new NodeService.IsLive(name, r), timeout, system.scheduler()))
        .thenApply(NodeService.Liveness::live);
  }

  /**
   * Did a session of agent {@code name} on any other node receive the result {@code key}? Every
   * other node that is up and reachable is asked (a node that left or is unreachable cannot answer,
   * and would only make the asker wait); one that does not answer within {@code timeout} counts as
   * "no". Never fails.
   */
  static CompletionStage<Boolean> receivedElsewhere(
      ActorSystem<?> system, String name, String key, Duration timeout) {
    Membership members = Membership.of(system);
    return services(system, timeout)
        .thenCompose(
            services -> {
              List<CompletableFuture<Boolean>> answers = new ArrayList<>();
              services.forEach(
                  (node, ref) -> {
                    if (node.equals(members.self())
                        || members.state(node) != Placement.NodeState.SERVING) {
                      return; // this node, or one that cannot answer: not waited for
                    }
                    answers.add(
                        AskPattern.<NodeService.Command, NodeService.Received>ask(
                                ref,
                                r -> new NodeService.HasReceived(name, key, r),
                                timeout,
                                system.scheduler())
                            .thenApply(NodeService.Received::received)
                            .exceptionally(e -> false)
                            .toCompletableFuture());
                  });
              return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                  .thenApply(v -> answers.stream().anyMatch(CompletableFuture::join));
            })
        .exceptionally(e -> false);
  }

  /** Every node's service (this node's too), by node address, from the receptionist's listing. */
  static CompletionStage<Map<String, ActorRef<NodeService.Command>>> services(
      ActorSystem<?> system, Duration timeout) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(),
            r -> Receptionist.find(NodeService.KEY, r),
            timeout,
            system.scheduler())
        .thenApply(
            listing -> {
              Map<String, ActorRef<NodeService.Command>> out = new LinkedHashMap<>();
              for (ActorRef<NodeService.Command> ref :
                  listing.getServiceInstances(NodeService.KEY)) {
                out.put(ClusterBoot.addressOf(system, ref), ref);
              }
              return out;
            });
  }

  /** The service of the node at {@code node}. */
  private static CompletionStage<ActorRef<NodeService.Command>> find(
      ActorSystem<?> system, String node, Duration timeout) {
    return services(system, timeout)
        .thenCompose(
            services ->
                services.containsKey(node)
                    ? CompletableFuture.completedFuture(services.get(node))
                    : CompletableFuture.failedFuture(
                        new IllegalStateException("node " + node + " has no fluke-node service")));
  }
}

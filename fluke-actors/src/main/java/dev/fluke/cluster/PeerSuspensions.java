package dev.fluke.cluster;

import com.fasterxml.jackson.databind.JavaType;
import dev.fluke.api.Suspension;
import dev.fluke.server.SuspensionBook;
import dev.fluke.server.SuspensionKeeper;
import dev.fluke.server.SuspensionPeers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The other nodes' suspension keepers (docs/cluster.md, "Suspensions"): each node's keeper is
 * registered with the cluster receptionist under {@link #KEY}; a keeper that starts asks every
 * other Up member's keeper for its {@link SuspensionBook} ({@link SuspensionKeeper.GetBook}, CBOR),
 * all within {@code fluke.cluster.ask-timeout}. The answer counts only when this node is an Up
 * member and every other Up member (reachable or not: an unreachable one may hold a suspension
 * until the cluster downs it) answered with a book read from its store.
 *
 * <p>A member whose keeper is not listed (a node of an older version during a rolling upgrade, or
 * one whose registration has not reached this node yet) is asked through its {@code fluke-node}
 * service instead ({@link NodeService.AskSuspensions}: the suspensions its engine holds, without
 * lifts), so that an upgrade does not hold the upgraded nodes' applies back until the last node is
 * upgraded.
 */
public final class PeerSuspensions implements SuspensionPeers {
  public static final ServiceKey<SuspensionKeeper.Command> KEY =
      ServiceKey.create(SuspensionKeeper.Command.class, "fluke-suspensions");

  private final ActorSystem<?> system;
  private final Membership membership;
  private final Duration timeout;

  public PeerSuspensions(ActorSystem<?> system) {
    this(system, ClusterBoot.askTimeout(system));
  }

  PeerSuspensions(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.membership = Membership.of(system);
    this.timeout = timeout;
  }

  @Override
  public void announce(ActorRef<SuspensionKeeper.Command> keeper) {
    system.receptionist().tell(Receptionist.register(KEY, keeper));
  }

  @Override
  public CompletionStage<List<SuspensionBook>> books() {
    if (!membership.selfUp()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "this node is a cluster member with status "
                  + membership.selfStatus()
                  + ", not up yet"));
    }
    Set<String> required = new TreeSet<>();
    for (Membership.Node n : membership.members()) {
      if (!n.self() && (n.status().equals("up") || n.status().equals("weakly_up"))) {
        required.add(n.address());
      }
    }
    if (required.isEmpty()) {
      return CompletableFuture.completedFuture(List.of()); // the only member
    }
    CompletionStage<Receptionist.Listing> keepers = find(KEY);
    CompletionStage<Receptionist.Listing> services = find(NodeService.KEY);
    return keepers.thenCombine(services, (k, n) -> ask(k, n, required)).thenCompose(c -> c);
  }

  private CompletionStage<Receptionist.Listing> find(ServiceKey<?> key) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
        system.receptionist(), r -> Receptionist.find(key, r), timeout, system.scheduler());
  }

  private CompletionStage<List<SuspensionBook>> ask(
      Receptionist.Listing keepers, Receptionist.Listing services, Set<String> required) {
    String self = membership.self();
    Map<String, CompletableFuture<SuspensionBook>> asked = new LinkedHashMap<>();
    for (ActorRef<SuspensionKeeper.Command> k : keepers.getServiceInstances(KEY)) {
      String node = ClusterBoot.addressOf(system, k);
      if (!node.equals(self)) {
        asked.put(
            node,
            AskPattern.<SuspensionKeeper.Command, SuspensionBook>ask(
                    k, SuspensionKeeper.GetBook::new, timeout, system.scheduler())
                .toCompletableFuture());
      }
    }
    for (ActorRef<NodeService.Command> n : services.getServiceInstances(NodeService.KEY)) {
      String node = ClusterBoot.addressOf(system, n);
      if (!node.equals(self) && !asked.containsKey(node)) {
        asked.put(node, viaNodeService(n));
      }
    }
    CompletableFuture<?>[] all =
        asked.values().stream()
            .map(f -> f.exceptionally(t -> null))
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all)
        .thenCompose(
            v -> {
              List<SuspensionBook> books = new ArrayList<>();
              Set<String> missing = new TreeSet<>(required);
              for (var e : asked.entrySet()) {
                SuspensionBook b = e.getValue().exceptionally(t -> null).join();
                if (b != null && b.loaded()) {
                  books.add(b);
                  missing.remove(e.getKey());
                }
              }
              return missing.isEmpty()
                  ? CompletableFuture.completedFuture(books)
                  : CompletableFuture.failedFuture(
                      new IllegalStateException(
                          "no answer within "
                              + timeout.toMillis()
                              + " ms (or not restored yet) from "
                              + String.join(", ", missing)));
            });
  }

  /** The suspensions held by a node's engine, asked through its {@link NodeService}. */
  private CompletableFuture<SuspensionBook> viaNodeService(ActorRef<NodeService.Command> node) {
    JavaType type =
        NodeAnswers.mapper(system)
            .getTypeFactory()
            .constructCollectionType(List.class, Suspension.class);
    return NodeAnswers.<List<Suspension>>ask(
            system, node, NodeService.AskSuspensions::new, type, timeout)
        .thenApply(held -> new SuspensionBook(held, List.of(), true));
  }
}

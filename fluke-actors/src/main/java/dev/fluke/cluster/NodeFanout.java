package dev.fluke.cluster;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Asking the other nodes' engines: every node's {@link NodeService} comes from the cluster
 * receptionist; a question goes to one node ({@link #one}) or to every node at once ({@link
 * #everyNode}: this node answers from its own engine directly), all with one deadline, and the
 * answer names the members that did not answer in time.
 */
final class NodeFanout {
  private final ActorSystem<?> system;
  private final Membership membership;
  private final Duration timeout;
  private final TypeFactory types;

  NodeFanout(ActorSystem<?> system, Membership membership, Duration timeout) {
    this.system = system;
    this.membership = membership;
    this.timeout = timeout;
    this.types = NodeAnswers.mapper(system).getTypeFactory();
  }

  TypeFactory types() {
    return types;
  }

  Duration timeout() {
    return timeout;
  }

  String self() {
    return membership.self();
  }

  /**
   * The answers of the nodes that answered, by node address, this node's first; {@code missing}:
   * the members (not down) that did not answer in time, sorted.
   */
  record Gathered<T>(Map<String, T> answers, List<String> missing) {
    List<T> values() {
      return List.copyOf(answers.values());
    }
  }

  /** Every node's service, by node address. */
  CompletionStage<Map<String, ActorRef<NodeService.Command>>> services() {
    return NodeQuestions.services(system, timeout);
  }

  /** Asks one node's engine. */
  <T> CompletableFuture<T> one(
      ActorRef<NodeService.Command> node,
      Function<ActorRef<Chunks.Chunk>, NodeService.Question> question,
      JavaType type) {
    return one(node, question, type, timeout);
  }

  private <T> CompletableFuture<T> one(
      ActorRef<NodeService.Command> node,
      Function<ActorRef<Chunks.Chunk>, NodeService.Question> question,
      JavaType type,
      Duration within) {
    return NodeAnswers.ask(system, node, question, type, within);
  }

  /** Asks every node's engine ({@code mine}: this node's own answer) and waits for all. */
  <T> CompletionStage<Gathered<T>> everyNode(
      Function<ActorRef<Chunks.Chunk>, NodeService.Question> question,
      JavaType type,
      Supplier<CompletionStage<T>> mine) {
    return everyNode(question, type, mine, timeout);
  }

  /** {@link #everyNode} waiting up to {@code within} for the other nodes (a plan's checks). */
  <T> CompletionStage<Gathered<T>> everyNode(
      Function<ActorRef<Chunks.Chunk>, NodeService.Question> question,
      JavaType type,
      Supplier<CompletionStage<T>> mine,
      Duration within) {
    String self = membership.self();
    CompletableFuture<T> own = mine.get().toCompletableFuture();
    return services()
        .exceptionally(t -> Map.of())
        .thenCompose(
            services -> {
              Map<String, CompletableFuture<T>> asked = new LinkedHashMap<>();
              asked.put(self, own);
              for (var e : services.entrySet()) {
                if (!e.getKey().equals(self)) {
                  asked.put(e.getKey(), one(e.getValue(), question, type, within));
                }
              }
              CompletableFuture<?>[] all =
                  asked.values().stream()
                      .map(f -> f.exceptionally(t -> null))
                      .toArray(CompletableFuture[]::new);
              return CompletableFuture.allOf(all).thenApply(v -> gathered(asked));
            });
  }

  private <T> Gathered<T> gathered(Map<String, CompletableFuture<T>> asked) {
    Map<String, T> answers = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (var e : asked.entrySet()) {
      CompletableFuture<T> f = e.getValue();
      T got = f.isCompletedExceptionally() ? null : f.getNow(null);
      if (got == null) {
        missing.add(e.getKey());
      } else {
        answers.put(e.getKey(), got);
      }
    }
    // Members that are not down but whose service was not even listed did not answer either.
    for (Membership.Node n : membership.members()) {
      if (!asked.containsKey(n.address()) && !n.status().equals("down")) {
        missing.add(n.address());
      }
    }
    missing.sort(null);
    return new Gathered<>(answers, List.copyOf(missing));
  }
}

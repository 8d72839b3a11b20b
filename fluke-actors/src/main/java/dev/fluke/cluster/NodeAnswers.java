package dev.fluke.cluster;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.fluke.api.FleetApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * Questions one node asks another node's engine ({@link NodeService.Question}): the answering side
 * ({@link #answer}) asks its own {@link FleetApi} and serializes the answer with the cluster's CBOR
 * mapper; the asking side ({@link #ask}) fetches it chunk by chunk ({@link Chunks}) and reads it
 * back, all within one deadline.
 */
final class NodeAnswers {
  private final FleetApi local;
  private final ObjectMapper mapper;

  NodeAnswers(ActorSystem<?> system, FleetApi local) {
    this.local = local;
    this.mapper = mapper(system);
  }

  /** The mapper Pekko's {@code jackson-cbor} serializer uses (the same modules and settings). */
  static ObjectMapper mapper(ActorSystem<?> system) {
    return JacksonObjectMapperProvider.get(system)
        .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
  }

  /** This node's answer to {@code q}, serialized. */
  CompletionStage<byte[]> answer(NodeService.Question q) {
    if (local == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("this node's service has no engine to ask"));
    }
    CompletionStage<?> answer = q.of(local);
    return answer.thenApply(this::bytes);
  }

  private byte[] bytes(Object answer) {
    try {
      return mapper.writeValueAsBytes(answer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asks {@code node}'s service {@code question} and reads its answer as {@code type}; fails when
   * the whole answer has not arrived within {@code timeout}, or with the other node's failure.
   */
  static <T> CompletableFuture<T> ask(
      ActorSystem<?> system,
      ActorRef<NodeService.Command> node,
      Function<ActorRef<Chunks.Chunk>, NodeService.Question> question,
      JavaType type,
      Duration timeout) {
    ByteArrayOutputStream so = new ByteArrayOutputStream();
    return AskPattern.<NodeService.Command, Chunks.Chunk>ask(
            node, question::apply, timeout, system.scheduler())
        .toCompletableFuture()
        .thenCompose(c -> rest(system, node, c, so, timeout))
        .thenApply(
            bytes -> {
              try {
                return mapper(system).<T>readValue(bytes, type);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static CompletableFuture<byte[]> rest(
      ActorSystem<?> system,
      ActorRef<NodeService.Command> node,
      Chunks.Chunk c,
      ByteArrayOutputStream so,
      Duration timeout) {
    if (c.failure() != null) {
      return CompletableFuture.failedFuture(new NodeFailed(c.failure()));
    }
    so.writeBytes(c.bytes());
    if (c.last()) {
      return CompletableFuture.completedFuture(so.toByteArray());
    }
    int next = c.offset() + c.bytes().length;
    return AskPattern.<NodeService.Command, Chunks.Chunk>ask(
            node, r -> new NodeService.More(c.id(), next, r), timeout, system.scheduler())
        .toCompletableFuture()
        .thenCompose(more -> rest(system, node, more, so, timeout));
  }

  /** The other node's engine failed to answer: its message. */
  static final class NodeFailed extends RuntimeException {
    NodeFailed(String message) {
      super(message);
    }
  }

  static String describe(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }
}

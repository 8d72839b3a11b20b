package dev.fluke.grpc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One gRPC call made of handcrafted bytes: a real HTTP/2 connection (Pekko HTTP's client, prior
 * knowledge) carrying whatever request body the test builds (frames that do not decode, a truncated
 * frame, a huge declared length), and the gRPC status the server ends it with, read from the
 * response's headers (a trailers-only answer) or its trailers.
 */
final class RawGrpcCall {
  private RawGrpcCall() {}

  /**
   * @param status the {@code grpc-status} code (0 is OK), empty when the server sent none
   * @param message the {@code grpc-message}, or empty
   * @param data the response messages' bytes, frames included
   */
  record Result(int httpStatus, Optional<Integer> status, String message, ByteString data) {}

  /** A gRPC frame: flag 0 (not compressed), a 4-byte length, the payload. */
  static ByteString frame(byte[] payload) {
    return header(payload.length).concat(ByteString.fromArray(payload));
  }

  /** Only the 5-byte header of a frame declaring {@code length} payload bytes. */
  static ByteString header(long length) {
    ByteBuffer b = ByteBuffer.allocate(5);
    b.put((byte) 0);
    b.putInt((int) length);
    return ByteString.fromArray(b.array());
  }

  /**
   * @param endStream true: the request ends after {@code body} (END_STREAM); false: it stays open
   *     until the status came, then is cancelled (RST_STREAM), as a gRPC client does
   */
  static CompletionStage<Result> call(
      ActorSystem<?> system,
      int port,
      String token,
      Source<ByteString, ?> body,
      boolean endStream) {
    org.apache.pekko.japi.Pair<
            org.apache.pekko.stream.javadsl.SourceQueueWithComplete<ByteString>,
            Source<ByteString, org.apache.pekko.NotUsed>>
        tail =
            Source.<ByteString>queue(1, org.apache.pekko.stream.OverflowStrategy.fail())
                .preMaterialize(system);
    Source<ByteString, ?> requestBody = endStream ? body : body.concat(tail.second());
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(RawHeader.create("te", "trailers"));
    if (token != null) {
      headers.add(RawHeader.create("authorization", "Bearer " + token));
    }
    HttpRequest request =
        HttpRequest.POST("http://127.0.0.1:" + port + "/fluke.v1.AgentService/Connect")
            .addHeaders(headers)
            .withEntity(
                HttpEntities.create(
                    ContentTypes.create(MediaTypes.customBinary("application", "grpc", false)),
                    requestBody.mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance())));
    // The connection stays open until the answer is read: completing the requests would close it.
    org.apache.pekko.japi.Pair<
            java.util.concurrent.CompletableFuture<Optional<HttpRequest>>,
            Source<HttpRequest, org.apache.pekko.NotUsed>>
        open = Source.<HttpRequest>maybe().preMaterialize(system);
    return Source.single(request)
        .concat(open.second())
        .via(Http.get(system).connectionTo("127.0.0.1").toPort(port).http2WithPriorKnowledge())
        // read inside the stream: Sink.head alone would cancel the connection under the entity
        .mapAsync(1, response -> read(system, response))
        .runWith(Sink.head(), system)
        .whenComplete(
            (result, failure) -> {
              tail.first().fail(new IllegalStateException("the client cancels the call"));
              open.first().complete(Optional.empty());
            });
  }

  private static CompletionStage<Result> read(ActorSystem<?> system, HttpResponse response) {
    Optional<Integer> headerStatus =
        response.getHeader("grpc-status").map(h -> Integer.parseInt(h.value()));
    String headerMessage = response.getHeader("grpc-message").map(HttpHeader::value).orElse("");
    HttpEntity entity = response.entity();
    if (!(entity instanceof HttpEntity.Chunked chunked)) {
      return entity
          .getDataBytes()
          .runFold(ByteString.emptyByteString(), ByteString::concat, system)
          .thenApply(
              data -> new Result(response.status().intValue(), headerStatus, headerMessage, data));
    }
    return chunked
        .getChunks()
        .runWith(Sink.seq(), system)
        .thenApply(
            chunks -> {
              ByteString data = ByteString.emptyByteString();
              Optional<Integer> status = headerStatus;
              String message = headerMessage;
              for (HttpEntity.ChunkStreamPart part : chunks) {
                if (part.isLastChunk()) {
                  for (HttpHeader h : part.getTrailerHeaders()) {
                    if (h.is("grpc-status")) {
                      status = Optional.of(Integer.parseInt(h.value()));
                    } else if (h.is("grpc-message")) {
                      message = h.value();
                    }
                  }
                } else {
                  data = data.concat(part.data());
                }
              }
              return new Result(response.status().intValue(), status, message, data);
            });
  }
}

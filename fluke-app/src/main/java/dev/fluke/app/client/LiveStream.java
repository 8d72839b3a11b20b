package dev.fluke.app.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.LiveUpdate;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectHttp;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaRanges;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.Accept;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.javadsl.unmarshalling.sse.EventStreamUnmarshalling;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;

/**
 * An open {@code GET /api/v1/stream} (see {@code docs/api-live.md}), from {@link ApiClient#stream}:
 * the server's {@link LiveUpdate}s in the order it sent them, each with the JSON it came as. The
 * server has subscribed by the time the stream is handed out (its {@code ready} event has arrived),
 * so every change after {@link ApiClient#stream} returned is delivered, unless the viewer falls so
 * far behind that the server drops updates for it.
 *
 * <p>Read with Pekko HTTP's client (one connection) and its server-sent events support ({@link
 * EventStreamUnmarshalling}), in an actor system of its own (configured by {@value #CONFIG}) that
 * {@link #close} stops: only the commands that stream start Pekko. The events flow through a
 * bounded buffer into a {@link Sink#queue} that {@link #next} pulls from: at most {@value
 * #CAPACITY} updates wait; beyond that, no more is read from the connection until the reader
 * catches up (TCP then slows the server down, which drops updates for this viewer only). Heartbeats
 * and event types the CLI does not know are skipped; the stream's markers ({@code replayed}, {@code
 * lost}, see {@link LiveUpdate#isMarker}) are handed over like updates.
 *
 * <p>{@link #next} may be called from one thread at a time; {@link #close} from any.
 */
public final class LiveStream implements AutoCloseable {
  /** The update kinds of the stream ({@code kinds=} takes a subset). */
  public static final Set<String> KINDS = Set.of("event", "output", "agent", "manifest");

  /** The markers about the stream itself, sent whatever the kinds asked for. */
  public static final Set<String> MARKERS = Set.of("replayed", "lost");

  static final int CAPACITY = 1024;

  /** The settings of the stream's actor system, over the application's own. */
  static final String CONFIG = "dev/fluke/app/client/live-stream.conf";

  /** How long an error answer's body may take to arrive, for its message. */
  private static final long ERROR_BODY_MILLIS = 5_000;

  private final ApiClient client;
  private final ObjectMapper mapper;
  private final ActorSystem system;
  private final CompletableFuture<Instant> ready = new CompletableFuture<>();
  private final CompletableFuture<SinkQueueWithCancel<ApiClient.Reply<LiveUpdate>>> queue =
      new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private CompletableFuture<Optional<ApiClient.Reply<LiveUpdate>>> pending;
  private ApiClientException endReason;

  private LiveStream(ApiClient client, ActorSystem system) {
    this.client = client;
    this.mapper = client.mapper();
    this.system = system;
  }

  /**
   * Starts the request and waits for the server's {@code ready} event.
   *
   * @throws ApiClientException when no stream opened: unreachable, an error answer, or nothing
   *     within {@code openTimeout}
   */
  static LiveStream open(ApiClient client, URI uri, String token, Duration openTimeout)
      throws InterruptedException {
    LiveStream live = new LiveStream(client, ActorSystem.create("fluke-cli", config()));
    try {
      live.request(uri, token);
      live.awaitReady(openTimeout);
      return live;
    } catch (InterruptedException | RuntimeException e) {
      live.close();
      throw e;
    }
  }

  private static Config config() {
    // System properties (-D...) still win, as ConfigFactory.load always lets them.
    return ConfigFactory.load(
        ConfigFactory.parseResources(LiveStream.class.getClassLoader(), CONFIG)
            .withFallback(ConfigFactory.defaultApplication()));
  }

  /**
   * The server's time in its {@code ready} event (everything after it is sent live); null before it
   * came.
   */
  public Instant openedAt() {
    return ready.isDone() && !ready.isCompletedExceptionally() ? ready.join() : null;
  }

  /**
   * The next update, waiting at most {@code max} for it.
   *
   * @return the update and its JSON, or null when none came in time
   * @throws ApiClientException when the stream has ended: the server closed it, the connection
   *     broke, the server sent something that is not a live update, or it was closed here (the
   *     message says which)
   * @throws InterruptedException when the thread was interrupted while waiting
   */
  public ApiClient.Reply<LiveUpdate> next(Duration max) throws InterruptedException {
    if (endReason != null) {
      throw endReason;
    }
    if (closed.get()) {
      throw end(closedHere());
    }
    if (pending == null) {
      pending = queue.join().pull().toCompletableFuture();
    }
    Optional<ApiClient.Reply<LiveUpdate>> item;
    try {
      item = pending.get(Math.max(0, max.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException nothingYet) {
      return null;
    } catch (ExecutionException e) {
      throw end(closed.get() ? closedHere() : reason(e.getCause()));
    }
    pending = null;
    if (item.isEmpty()) {
      throw end(closed.get() ? closedHere() : client.ended(null));
    }
    return item.get();
  }

  /** Stops reading and drops the connection; the server then ends its subscription. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ready.completeExceptionally(closedHere());
    queue.thenAccept(SinkQueueWithCancel::cancel);
    // Closes the connection with the rest; a command that ends does not wait for it.
    system.terminate();
  }

  /**
   * Sends the request over a connection of its own: for {@code http://} no TLS is set up at all
   * (Pekko's pooled {@code singleRequest} would make the default TLS context first).
   */
  private void request(URI uri, String token) {
    boolean tls = uri.getScheme().equals("https");
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    ConnectHttp to =
        tls
            ? ConnectHttp.toHostHttps(uri.getHost(), port)
            : ConnectHttp.toHost(uri.getHost(), port);
    HttpRequest request =
        HttpRequest.GET(uri.getRawPath() + "?" + uri.getRawQuery())
            .addHeader(Accept.create(MediaRanges.create(MediaTypes.TEXT_EVENT_STREAM)));
    if (token != null) {
      request = request.addHeader(HttpHeader.parse("Authorization", "Bearer " + token));
    }
    Source.single(request)
        .via(Http.get(system).outgoingConnection(to))
        .runWith(Sink.head(), system)
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                notOpened(client.notOpened(0, null, null, unwrap(failure)));
              } else {
                guarded(() -> onResponse(response));
              }
            });
  }

  private void onResponse(HttpResponse response) {
    int status = response.status().intValue();
    String type = response.entity().getContentType().mediaType().toString();
    if (status / 100 == 2 && type.equals(MediaTypes.TEXT_EVENT_STREAM.toString())) {
      EventStreamUnmarshalling.fromEventsStream(system)
          .unmarshal(response.entity(), system)
          .whenComplete(
              (events, failure) -> {
                if (failure != null) {
                  notOpened(client.notOpened(0, null, null, unwrap(failure)));
                } else {
                  guarded(() -> run(events));
                }
              });
      return;
    }
    // An error, or a page from something that is not a Fluke server: read it whole for the message.
    CompletionStage<String> body =
        response
            .entity()
            .toStrict(ERROR_BODY_MILLIS, system)
            .thenCompose(strict -> Unmarshaller.entityToString().unmarshal(strict, system));
    body.whenComplete(
        (text, failure) ->
            notOpened(client.notOpened(status, type, failure == null ? text : "", null)));
  }

  /** Runs the events into the queue {@link #next} pulls from. */
  private void run(Source<ServerSentEvent, NotUsed> events) {
    SinkQueueWithCancel<ApiClient.Reply<LiveUpdate>> q =
        events
            .mapConcat(this::updates)
            .watchTermination(
                (notUsed, done) -> {
                  // Ended before its 'ready' event: awaitReady must not wait for it in vain.
                  done.whenComplete(
                      (ok, failure) ->
                          ready.completeExceptionally(
                              failure == null ? client.ended(null) : reason(failure)));
                  return notUsed;
                })
            .buffer(CAPACITY, OverflowStrategy.backpressure())
            .toMat(Sink.queue(), Keep.right())
            .run(system);
    queue.complete(q);
    if (closed.get()) {
      q.cancel();
    }
  }

  /**
   * The update an event carries: none for {@code ready} (which opens the stream) and for types this
   * client does not know.
   *
   * @throws ApiClientException when an event is not what the server should send; it ends the stream
   *     with that reason
   */
  private List<ApiClient.Reply<LiveUpdate>> updates(ServerSentEvent event) {
    String type = event.getEventType().orElse("message");
    if (type.equals("ready")) {
      ready.complete(readyTime(event.getData()));
      return List.of();
    }
    if (!KINDS.contains(type) && !MARKERS.contains(type)) {
      // A kind from a newer server: this client has nothing to show for it.
      return List.of();
    }
    try {
      return List.of(
          new ApiClient.Reply<>(
              mapper.readValue(event.getData(), LiveUpdate.class), event.getData()));
    } catch (JsonProcessingException e) {
      throw malformed(type, e.getOriginalMessage(), e);
    }
  }

  private Instant readyTime(String data) {
    try {
      JsonNode time = mapper.readTree(data).path("time");
      return time.isTextual() ? Instant.parse(time.asText()) : Instant.now();
    } catch (JsonProcessingException | DateTimeParseException e) {
      throw malformed("ready", e.getMessage(), e);
    }
  }

  private ApiClientException malformed(String type, String why, Exception cause) {
    return new ApiClientException(
        200,
        "unexpected '"
            + type
            + "' event in the live stream from "
            + client.server()
            + " (is it a Fluke server of a matching version?): "
            + why,
        cause);
  }

  /** Waits for the server's {@code ready} event. */
  private void awaitReady(Duration max) throws InterruptedException {
    try {
      ready.get(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw (ApiClientException) e.getCause();
    } catch (TimeoutException e) {
      throw new ApiClientException(
          0,
          "the Fluke server at "
              + client.server()
              + " did not open the live stream within "
              + max.toSeconds()
              + "s",
          e);
    }
  }

  /** Runs a step of opening; a failure in it ends the opening instead of vanishing in a future. */
  private void guarded(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      notOpened(
          new ApiClientException(
              0, "the live stream from " + client.server() + " failed to open: " + e, e));
    }
  }

  private void notOpened(ApiClientException reason) {
    ready.completeExceptionally(reason);
    queue.completeExceptionally(reason);
  }

  /** Why the stream failed once open: the reason a stage gave, or a broken connection. */
  private ApiClientException reason(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof ApiClientException e) {
      return e;
    }
    return client.ended(cause);
  }

  private ApiClientException closedHere() {
    return new ApiClientException(
        0, "the live stream from " + client.server() + " was closed by this client", null);
  }

  private ApiClientException end(ApiClientException reason) {
    endReason = reason;
    return reason;
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}

package dev.fluke.app.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.LiveUpdate;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open {@code GET /api/v1/stream} (see {@code docs/api-live.md}), from {@link ApiClient#stream}:
 * the server's {@link LiveUpdate}s in the order it sent them, each with the JSON it came as. The
 * server has subscribed by the time the stream is handed out (its {@code ready} event has arrived),
 * so every change after {@link ApiClient#stream} returned is delivered, unless the viewer falls so
 * far behind that the server drops updates for it.
 *
 * <p>Lines are read on the HTTP client's threads and queued; the reader takes them with {@link
 * #next}. At most {@value #CAPACITY} updates wait in the queue: beyond that, no more is read from
 * the connection until the reader catches up (TCP then slows the server down, which drops updates
 * for this viewer only). Heartbeats and event types the CLI does not know are skipped; the stream's
 * markers ({@code replayed}, {@code lost}, see {@link LiveUpdate#isMarker}) are handed over like
 * updates.
 *
 * <p>{@link #next} may be called from one thread at a time; {@link #close} from any.
 */
public final class LiveStream implements AutoCloseable {
  /** The update kinds of the stream ({@code kinds=} takes a subset). */
  public static final Set<String> KINDS = Set.of("event", "output", "agent", "manifest");

  /** The markers about the stream itself, sent whatever the kinds asked for. */
  public static final Set<String> MARKERS = Set.of("replayed", "lost");

  static final int CAPACITY = 1024;

  private sealed interface Item {}

  private record Update(ApiClient.Reply<LiveUpdate> reply) implements Item {}

  private record End(ApiClientException reason) implements Item {}

  private final URI server;
  private final ObjectMapper mapper;
  private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final CompletableFuture<Instant> ready = new CompletableFuture<>();
  private final AtomicBoolean paused = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Flow.Subscription subscription;
  private volatile CompletableFuture<?> exchange;
  private ApiClientException endReason;

  LiveStream(URI server, ObjectMapper mapper) {
    this.server = server;
    this.mapper = mapper;
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
   *     broke, or the server sent something that is not a live update (the message says which)
   * @throws InterruptedException when the thread was interrupted while waiting
   */
  public ApiClient.Reply<LiveUpdate> next(Duration max) throws InterruptedException {
    if (endReason != null) {
      throw endReason;
    }
    Item item = queue.poll(Math.max(0, max.toNanos()), TimeUnit.NANOSECONDS);
    if (item == null) {
      return null;
    }
    resumeReading();
    if (item instanceof End end) {
      endReason = end.reason();
      throw endReason;
    }
    return ((Update) item).reply();
  }

  /** Stops reading and drops the connection; the server then ends its subscription. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // First, so the cancellations below do not end the stream with a reason of their own.
    end(
        new ApiClientException(
            0, "the live stream from " + server + " was closed by this client", null));
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    CompletableFuture<?> x = exchange;
    if (x != null) {
      x.cancel(true);
    }
  }

  /** The subscriber the response body's lines go to. */
  Flow.Subscriber<String> lines() {
    return new Lines();
  }

  void attach(CompletableFuture<?> exchange) {
    this.exchange = exchange;
    if (closed.get()) {
      exchange.cancel(true);
    }
  }

  /**
   * Waits for the server's {@code ready} event.
   *
   * @throws ApiClientException when the stream ended first (with the reason given to {@link #end}),
   *     or nothing came within {@code max}
   */
  void awaitReady(Duration max) throws InterruptedException {
    try {
      ready.get(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw (ApiClientException) e.getCause();
    } catch (TimeoutException e) {
      throw new ApiClientException(
          0,
          "the Fluke server at "
              + server
              + " did not open the live stream within "
              + max.toSeconds()
              + "s",
          e);
    }
  }

  /**
   * The stream is over: the reason is what {@link #next} throws once the updates before it are
   * taken (and what {@link #awaitReady} throws when it ended before {@code ready}). Only the first
   * end counts.
   */
  void end(ApiClientException reason) {
    if (ended.compareAndSet(false, true)) {
      ready.completeExceptionally(reason);
      queue.add(new End(reason));
    }
  }

  private void onFrame(ServerSentEvents.Frame frame) {
    if (frame.event().equals("ready")) {
      ready.complete(readyTime(frame.data()));
      return;
    }
    if (!KINDS.contains(frame.event()) && !MARKERS.contains(frame.event())) {
      // A kind from a newer server: this client has nothing to show for it.
      return;
    }
    try {
      queue.add(
          new Update(
              new ApiClient.Reply<>(
                  mapper.readValue(frame.data(), LiveUpdate.class), frame.data())));
    } catch (JsonProcessingException e) {
      throw malformed(frame, e.getOriginalMessage(), e);
    }
  }

  private Instant readyTime(String data) {
    try {
      JsonNode time = mapper.readTree(data).path("time");
      return time.isTextual() ? Instant.parse(time.asText()) : Instant.now();
    } catch (JsonProcessingException | DateTimeParseException e) {
      throw malformed(new ServerSentEvents.Frame("ready", data), e.getMessage(), e);
    }
  }

  private ApiClientException malformed(ServerSentEvents.Frame frame, String why, Exception cause) {
    return new ApiClientException(
        200,
        "unexpected '"
            + frame.event()
            + "' event in the live stream from "
            + server
            + " (is it a Fluke server of a matching version?): "
            + why,
        cause);
  }

  /**
   * Asks for the next line when the reader has made room after {@link Lines#requestMore} paused.
   */
  private void resumeReading() {
    Flow.Subscription s = subscription;
    if (s != null && paused.get() && queue.size() < CAPACITY && paused.compareAndSet(true, false)) {
      s.request(1);
    }
  }

  /** Reads one line at a time, so no more than {@link #CAPACITY} updates are ever held. */
  private final class Lines implements Flow.Subscriber<String> {
    private final ServerSentEvents parser = new ServerSentEvents();

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (closed.get()) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(String line) {
      if (closed.get() || ended.get()) {
        return;
      }
      try {
        parser.line(line).ifPresent(LiveStream.this::onFrame);
      } catch (ApiClientException e) {
        end(e);
        subscription.cancel();
        return;
      }
      requestMore();
    }

    private void requestMore() {
      if (queue.size() < CAPACITY) {
        subscription.request(1);
        return;
      }
      paused.set(true);
      // The reader may have emptied the queue between the check and the flag: then nobody would
      // resume.
      resumeReading();
    }

    @Override
    public void onError(Throwable t) {
      // The exchange's future fails with the same error; ApiClient turns it into the end's reason.
    }

    @Override
    public void onComplete() {
      // The exchange's future completes right after; ApiClient ends the stream from there.
    }
  }
}

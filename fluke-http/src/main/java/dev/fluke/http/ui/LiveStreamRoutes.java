package dev.fluke.http.ui;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.LiveFeed;
import dev.fluke.api.LiveUpdate;
import dev.fluke.http.ApiAuth;
import dev.fluke.http.ApiErrors;
import dev.fluke.http.QueryParams;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/stream[?agent=NAME][&kinds=event,output,agent,manifest]}: the fleet's {@link
 * LiveUpdate}s as server-sent events, for the web UI and {@code fluke logs -f}.
 *
 * <p>The stream opens with {@code event: ready} (the viewer should refetch what it shows: anything
 * before this moment is not replayed), then sends each update as {@code event: <kind>} with the
 * update as JSON (snake_case, as the API), and a heartbeat comment when idle so proxies and the
 * browser keep the connection open. With {@code agent}, only that agent's updates are sent, and the
 * buffered output lines of its running (or last) apply come first: a late viewer sees the whole
 * apply, with no line lost or repeated between the buffer and the live lines. Every stream then
 * says {@code event: replayed} (with the {@code count} of buffered lines, 0 without {@code agent})
 * before the first live update, so a client that only wants what is buffered ({@code fluke logs}
 * without {@code -f}) knows where to stop. A viewer that falls behind gets {@code event: lost}
 * (with the {@code count} of updates dropped for it) before the next update it does get.
 *
 * <p>Parameters are strict: {@code agent} given must name an agent, {@code kinds} given must be a
 * non-empty list of known kinds, nothing else is taken (400 otherwise).
 *
 * <p>Auth is the API's ({@link ApiAuth}): {@code Authorization: Bearer}. The token is never
 * accepted in the query string (it would end up in logs and browser history); browsers read the
 * stream with {@code fetch}, which can send the header, instead of {@code EventSource}, which
 * cannot.
 */
public final class LiveStreamRoutes {
  private static final Logger log = LoggerFactory.getLogger(LiveStreamRoutes.class);
  static final Set<String> KINDS = Set.of("event", "output", "agent", "manifest");

  /**
   * Updates kept for a viewer while its buffered apply output is being read; beyond, the oldest go.
   */
  private static final int CATCH_UP_BUFFER = 1024;

  private final LiveFeed feed;
  private final ObjectMapper mapper;
  private final ApiAuth auth;
  private final ApiErrors errors;
  private final Duration heartbeat;

  public LiveStreamRoutes(
      LiveFeed feed, ObjectMapper mapper, ApiAuth auth, ApiErrors errors, Duration heartbeat) {
    this.feed = feed;
    this.mapper = mapper;
    this.auth = auth;
    this.errors = errors;
    this.heartbeat = heartbeat;
  }

  public Route routes() {
    return path(
        PathMatchers.segment("api").slash("v1").slash("stream"),
        () ->
            auth.authorize(
                () ->
                    get(
                        () ->
                            new QueryParams(errors)
                                .only(
                                    "GET /api/v1/stream",
                                    List.of("agent", "kinds"),
                                    this::onRequest))));
  }

  private Route onRequest(Map<String, String> params) {
    Optional<String> agent;
    Set<String> kinds;
    try {
      agent = parseAgent(params.get("agent"));
      kinds = parseKinds(params.get("kinds"));
    } catch (IllegalArgumentException e) {
      return errors.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    // Applied by the feed before the viewer's buffer; the markers (replayed, lost) are added after
    // it.
    Predicate<LiveUpdate> wanted =
        u -> kinds.contains(u.kind()) && agent.map(a -> a.equals(u.agent())).orElse(true);
    return extractMaterializer(
        mat ->
            respondWithHeaders(
                List.of(
                    HttpHeader.parse("Cache-Control", "no-cache"),
                    // Tells nginx and similar proxies not to buffer the stream.
                    HttpHeader.parse("X-Accel-Buffering", "no")),
                () ->
                    completeOK(
                        events(agent, kinds, wanted, mat),
                        EventStreamMarshalling.toEventStream())));
  }

  /** The stream for one viewer. */
  Source<ServerSentEvent, NotUsed> events(
      Optional<String> agent, Set<String> kinds, Predicate<LiveUpdate> wanted, Materializer mat) {
    Source<LiveUpdate, NotUsed> live = feed.subscribe(wanted);
    Source<LiveUpdate, NotUsed> updates =
        agent.isPresent() && kinds.contains("output")
            ? withBufferedOutput(agent.get(), live, mat)
            : Source.single(LiveUpdate.replayed(agent.orElse(""), 0)).concat(live);
    ServerSentEvent ready =
        ServerSentEvent.create(json(Map.of("time", Instant.now().toString())), "ready");
    return Source.single(ready)
        .concat(updates.map(this::toEvent))
        .keepAlive(heartbeat, ServerSentEvent::heartbeat);
  }

  /**
   * Subscribes first (buffering), then reads the agent's buffered output: a line that arrives in
   * between is in both, and is sent once. Lines are the same when time, executor and text are.
   */
  private Source<LiveUpdate, NotUsed> withBufferedOutput(
      String agent, Source<LiveUpdate, NotUsed> live, Materializer mat) {
    Pair<NotUsed, Source<LiveUpdate, NotUsed>> subscribed =
        live.buffer(CATCH_UP_BUFFER, OverflowStrategy.dropHead()).preMaterialize(mat);
    Source<LiveUpdate, NotUsed> liveNow = subscribed.second();
    return Source.completionStage(
            feed.recentOutput(agent)
                .exceptionally(
                    t -> {
                      log.warn(
                          "Could not read the buffered output of {}; sending live lines only",
                          agent,
                          t);
                      return List.of();
                    }))
        .flatMapConcat(
            recent -> {
              Set<String> seen = ConcurrentHashMap.newKeySet();
              recent.forEach(u -> seen.add(key(u)));
              return Source.from(recent)
                  .concat(Source.single(LiveUpdate.replayed(agent, recent.size())))
                  .concat(liveNow.filter(u -> !(u.kind().equals("output") && seen.remove(key(u)))));
            });
  }

  private static String key(LiveUpdate u) {
    return u.time() + "\u0000" + u.task() + "\u0000" + u.executor() + "\u0000" + u.line();
  }

  private ServerSentEvent toEvent(LiveUpdate update) {
    return ServerSentEvent.create(json(update), update.kind());
  }

  private String json(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a live update could not be written as JSON", e);
    }
  }

  /** Absent: the whole fleet; given, it must name an agent. */
  static Optional<String> parseAgent(String param) {
    if (param == null) {
      return Optional.empty();
    }
    if (param.isBlank()) {
      throw new IllegalArgumentException(
          "agent must not be empty (leave it out for the whole fleet)");
    }
    return Optional.of(param.trim());
  }

  /** Absent: every kind; given, a non-empty comma-separated list of known kinds. */
  static Set<String> parseKinds(String param) {
    if (param == null) {
      return KINDS;
    }
    Set<String> kinds =
        Arrays.stream(param.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    Set<String> unknown = new HashSet<>(kinds);
    unknown.removeAll(KINDS);
    if (!unknown.isEmpty() || kinds.isEmpty()) {
      throw new IllegalArgumentException(
          "kinds must be a comma-separated list of event, output, agent, manifest; got '"
              + param
              + "'");
    }
    return kinds;
  }
}

package dev.fluke.app.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.http.AgentRoutes;
import dev.fluke.http.ApiError;
import dev.fluke.http.ApiJson;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/**
 * The Fluke HTTP API from the client side (SPEC §6): one typed call per endpoint, returning the
 * same {@link Dto} records the server marshals, read with the server's own {@link ApiJson}
 * settings. Every call returns a {@link Reply} holding the record and the JSON it was read from
 * (for {@code -o json}). {@link #stream} opens the live stream of server-sent events as a {@link
 * LiveStream}. Failures become {@link ApiClientException}s whose messages say what to do.
 *
 * <p>Thread-safe; one per CLI invocation is plenty.
 */
public final class ApiClient {
  public static final String DEFAULT_SERVER = "http://localhost:7071";
  public static final String SERVER_ENV = "FLUKE_SERVER";
  public static final String TOKEN_ENV = "FLUKE_API_TOKEN";

  /** A decoded answer and the JSON text it came from. */
  public record Reply<T>(T value, String json) {}

  private final URI server;
  private final String token;
  private final Duration requestTimeout;
  private final HttpClient http;
  private final ObjectMapper mapper = ApiJson.create();

  /**
   * @param server base URL such as {@code http://control:7071} (a path prefix is kept, for servers
   *     behind a reverse proxy; a bare {@code host:port} means {@code http://host:port})
   * @param token API token sent as {@code Authorization: Bearer}, or null/blank for none
   * @param requestTimeout how long to wait for each answer
   * @throws IllegalArgumentException when {@code server} is not an http(s) URL
   */
  public ApiClient(String server, String token, Duration requestTimeout) {
    this.server = parseServer(server);
    this.token = token == null || token.isBlank() ? null : token.trim();
    this.requestTimeout = requestTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /**
   * The client for explicit options falling back to the environment ({@value #SERVER_ENV}, {@value
   * #TOKEN_ENV}) and then to {@value #DEFAULT_SERVER}.
   */
  public static ApiClient fromOptions(
      String serverOption, String tokenOption, Map<String, String> env) {
    String server = firstNonBlank(serverOption, env.get(SERVER_ENV), DEFAULT_SERVER);
    String token = firstNonBlank(tokenOption, env.get(TOKEN_ENV), null);
    return new ApiClient(server, token, Duration.ofSeconds(30));
  }

  /** The server's base URL, as shown in messages. */
  public URI server() {
    return server;
  }

  public boolean hasToken() {
    return token != null;
  }

  public Reply<List<Dto.AgentSummary>> agents() {
    return get("agents", new TypeReference<>() {}, null);
  }

  /**
   * The agents matching a fleet filter, as the server filters them ({@code GET
   * /api/v1/agents?filter=}, grammar of {@link dev.fluke.api.AgentFilter}).
   *
   * @param filter the filter's words separated by blanks; blank for every agent
   * @param known how many agents the server knows before filtering (-1 when it did not say)
   */
  public record Filtered(Reply<List<Dto.AgentSummary>> matching, int known) {}

  public Filtered agents(String filter) {
    String path =
        filter == null || filter.isBlank() ? "agents" : "agents?filter=" + encode(filter.trim());
    HttpResponse<String> response = exchange(request(path).GET().build(), null);
    int known =
        response
            .headers()
            .firstValue(AgentRoutes.KNOWN_HEADER)
            .map(
                v -> {
                  try {
                    return Integer.parseInt(v.trim());
                  } catch (NumberFormatException e) {
                    return -1;
                  }
                })
            .orElse(-1);
    Reply<List<Dto.AgentSummary>> reply =
        decode(
            response.body(),
            mapper.getTypeFactory().constructType(new TypeReference<List<Dto.AgentSummary>>() {}));
    return new Filtered(reply, known);
  }

  /**
   * @throws ApiClientException with status 404 when the server knows no such agent
   */
  public Reply<Dto.AgentDetail> agent(String name) {
    return get(
        "agents/" + encode(name),
        new TypeReference<>() {},
        "list the agents with 'fluke get agents'");
  }

  public Reply<List<Dto.TaskSummary>> tasks() {
    return get("tasks", new TypeReference<>() {}, null);
  }

  /**
   * @throws ApiClientException with status 404 when the desired state has no such task
   */
  public Reply<Dto.TaskDetail> task(String name) {
    return get(
        "tasks/" + encode(name), new TypeReference<>() {}, "list the tasks with 'fluke get tasks'");
  }

  public Reply<List<Dto.DriftEntry>> drift() {
    return get("drift", new TypeReference<>() {}, null);
  }

  /** Newest first; null or empty filters mean any, the limit must be 1 to 1000. */
  public Reply<List<Event>> events(EventQuery query) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("agent", query.agent());
    params.put("task", query.task());
    params.put("outcome", query.outcome());
    params.put("limit", Integer.toString(query.limit()));
    StringJoiner q = new StringJoiner("&", "?", "");
    params.forEach(
        (k, v) -> {
          if (v != null && !v.isEmpty()) {
            q.add(k + "=" + encode(v));
          }
        });
    return get("events" + q, new TypeReference<>() {}, null);
  }

  public Reply<Dto.ManifestStatus> manifest() {
    return get("manifest", new TypeReference<>() {}, null);
  }

  /**
   * Starts a manual reconcile.
   *
   * @throws ApiClientException with status 404 when the agent or task is unknown
   */
  public Reply<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("target", target.kind());
    if (target.name() != null) {
      body.put("name", target.name());
    }
    String json;
    try {
      json = mapper.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serialises", e);
    }
    HttpRequest request =
        request("reconcile")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    String hint =
        target.kind().equals("task")
            ? "list the tasks with 'fluke get tasks'"
            : "list the agents with 'fluke get agents'";
    return decode(
        send(request, hint), mapper.getTypeFactory().constructType(Dto.ReconcileAccepted.class));
  }

  /**
   * Opens the live stream ({@code GET /api/v1/stream}, server-sent events) and returns once the
   * server has subscribed (its {@code ready} event arrived), so nothing that happens afterwards is
   * missed. The caller reads it with {@link LiveStream#next} and must {@link LiveStream#close} it.
   *
   * @param agent only this agent's updates, starting with the buffered output lines of its running
   *     (or last) apply; null for the whole fleet with no replay
   * @param kinds the update kinds wanted, a non-empty subset of {@link LiveStream#KINDS}
   * @throws ApiClientException as the other calls: unreachable, 401/403, or no stream opened within
   *     the request timeout
   * @throws InterruptedException when interrupted while waiting for the stream to open
   */
  public LiveStream stream(String agent, Collection<String> kinds) throws InterruptedException {
    if (kinds.isEmpty() || !LiveStream.KINDS.containsAll(kinds)) {
      throw new IllegalArgumentException(
          "kinds must be a non-empty subset of " + LiveStream.KINDS + ": " + kinds);
    }
    StringBuilder query =
        new StringBuilder("stream?kinds=").append(encode(String.join(",", kinds)));
    if (agent != null) {
      query.append("&agent=").append(encode(agent));
    }
    // No request timeout: the JDK would apply it to the whole body, which here never ends. Opening
    // is
    // bounded by awaitReady below instead.
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(server + "/api/v1/" + query))
            .header("Accept", "text/event-stream");
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    LiveStream live = new LiveStream(server, mapper);
    HttpResponse.BodyHandler<String> handler =
        info -> {
          String type = info.headers().firstValue("Content-Type").orElse("");
          if (info.statusCode() / 100 == 2 && type.startsWith("text/event-stream")) {
            return HttpResponse.BodySubscribers.mapping(
                HttpResponse.BodySubscribers.fromLineSubscriber(live.lines()), nothing -> null);
          }
          // An error, or a page from something that is not a Fluke server: read it whole for the
          // message.
          return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        };
    CompletableFuture<HttpResponse<String>> exchange =
        http.sendAsync(builder.GET().build(), handler);
    live.attach(exchange);
    exchange.whenComplete((response, failure) -> live.end(streamEnd(live, response, failure)));
    try {
      live.awaitReady(requestTimeout);
    } catch (ApiClientException | InterruptedException e) {
      live.close();
      throw e;
    }
    return live;
  }

  /**
   * Why a stream ended: the server closed it, an error answer instead of a stream, or a broken
   * connection.
   */
  private ApiClientException streamEnd(
      LiveStream live, HttpResponse<String> response, Throwable failure) {
    if (failure != null) {
      Throwable cause =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      if (live.openedAt() != null) {
        return new ApiClientException(
            0,
            "the live stream from "
                + server
                + " broke ("
                + describe(cause)
                + "): the server stopped or the connection was lost; run the command again",
            cause);
      }
      if (cause instanceof IOException io) {
        return unreachable(io);
      }
      return new ApiClientException(
          0, "the live stream from " + server + " failed: " + describe(cause), cause);
    }
    int status = response.statusCode();
    if (response.body() == null) {
      return new ApiClientException(
          0,
          "the Fluke server at "
              + server
              + " closed the live stream (is it shutting down?); run the command"
              + " again when it is back",
          null);
    }
    if (status / 100 == 2) {
      return new ApiClientException(
          status,
          "unexpected answer from "
              + server
              + " (is it a Fluke server of a matching version?): expected a live"
              + " stream (text/event-stream), got "
              + response.headers().firstValue("Content-Type").orElse("no content type"),
          null);
    }
    return failure(
        status,
        serverMessage(status, response.body()),
        "this server has no live stream (GET /api/v1/stream): is it older than this fluke command?");
  }

  private <T> Reply<T> get(String path, TypeReference<T> type, String notFoundHint) {
    String body = send(request(path).GET().build(), notFoundHint);
    return decode(body, mapper.getTypeFactory().constructType(type));
  }

  private <T> Reply<T> decode(String body, JavaType type) {
    try {
      return new Reply<>(mapper.readValue(body, type), body);
    } catch (JsonProcessingException e) {
      throw new ApiClientException(
          200,
          "unexpected answer from "
              + server
              + " (is it a Fluke server of a matching version?): "
              + e.getOriginalMessage(),
          e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(server + "/api/v1/" + path))
            .timeout(requestTimeout)
            .header("Accept", "application/json");
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  private String send(HttpRequest request, String notFoundHint) {
    return exchange(request, notFoundHint).body();
  }

  /** The answer of a 2xx, else the failure as an {@link ApiClientException}. */
  private HttpResponse<String> exchange(HttpRequest request, String notFoundHint) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiClientException(0, "interrupted while waiting for " + server, e);
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return response;
    }
    throw failure(status, serverMessage(status, response.body()), notFoundHint);
  }

  private ApiClientException unreachable(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return cannotReach("connection timed out", e);
    }
    if (e instanceof HttpTimeoutException) {
      return new ApiClientException(
          0,
          "the Fluke server at "
              + server
              + " did not answer within "
              + requestTimeout.toSeconds()
              + "s",
          e);
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return cannotReach("unknown host " + server.getHost(), e);
      }
      if (c instanceof SSLException) {
        return cannotReach("TLS failed: " + c.getMessage(), e);
      }
    }
    if (e instanceof ConnectException) {
      return cannotReach("connection refused", e);
    }
    return cannotReach(describe(e), e);
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private ApiClientException cannotReach(String why, Throwable cause) {
    return new ApiClientException(
        0,
        "cannot reach the Fluke server at "
            + server
            + " ("
            + why
            + "): start one with 'fluke server --config server.hcl' or 'fluke dev',"
            + " or point --server / "
            + SERVER_ENV
            + " at it",
        cause);
  }

  private ApiClientException failure(int status, String message, String notFoundHint) {
    String text =
        switch (status) {
          case 401 ->
              token == null
                  ? "the Fluke server at "
                      + server
                      + " needs an API token: pass --token or set "
                      + TOKEN_ENV
                      + " to one of the server's api_tokens"
                  : "the Fluke server at "
                      + server
                      + " rejected the API token ("
                      + message
                      + "): check --token / "
                      + TOKEN_ENV
                      + " against the server's api_tokens";
          case 403 -> "the Fluke server at " + server + " refused the call: " + message;
          case 404 -> notFoundHint == null ? message : message + ": " + notFoundHint;
          case 400 -> "the server rejected the request: " + message;
          case 503 -> "the Fluke server at " + server + " is busy or starting: " + message;
          default -> "the Fluke server at " + server + " failed (HTTP " + status + "): " + message;
        };
    return new ApiClientException(status, text, null);
  }

  /**
   * The {@code error} of an {@link ApiError} body, or the start of whatever else came (a proxy's
   * page).
   */
  private String serverMessage(int status, String answer) {
    String body = answer == null ? "" : answer;
    try {
      ApiError error = mapper.readValue(body, ApiError.class);
      if (error.error() != null && !error.error().isBlank()) {
        return error.error();
      }
    } catch (JsonProcessingException notJson) {
      // Not from Fluke itself (a proxy or another server): show what came.
    }
    String text = body.strip();
    if (text.isEmpty()) {
      return "HTTP " + status + " with no body";
    }
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }

  private static URI parseServer(String server) {
    String s = server == null ? "" : server.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("the server URL is empty");
    }
    if (!s.contains("://")) {
      s = "http://" + s;
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + server + "' is not a URL: " + e.getReason());
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "'" + server + "' must be an http:// or https:// URL such as " + DEFAULT_SERVER);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          "'" + server + "' has no host; use e.g. " + DEFAULT_SERVER);
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("'" + server + "' must not have a query or fragment");
    }
    return uri;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String firstNonBlank(String a, String b, String fallback) {
    if (a != null && !a.isBlank()) {
      return a;
    }
    if (b != null && !b.isBlank()) {
      return b;
    }
    return fallback;
  }
}

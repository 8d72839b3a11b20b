package dev.fluke.app.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.http.AgentRoutes;
import dev.fluke.http.ApiError;
import dev.fluke.http.ApiJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.lang.reflect.Type;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import javax.net.ssl.SSLException;

/**
 * The Fluke HTTP API from the client side (SPEC §6): one typed call per endpoint, returning the
 * same {@link Dto} records the server marshals, read with the server's own {@link ApiJson}
 * settings. Every call returns a {@link Reply} holding the record and the JSON it was read from
 * (for {@code -o json}). {@link #stream} opens the live stream of server-sent events as a {@link
 * LiveStream}. Failures become {@link ApiClientException}s whose messages say what to do.
 *
 * <p>Calls go through the JDK's {@link HttpURLConnection}: a command that asks one question loads
 * no more than that (no TLS stack for {@code http://}, no event loop, no Pekko). Only {@link
 * #stream} starts Pekko, for its HTTP client's server-sent events support.
 *
 * <p>Thread-safe; one per CLI invocation is plenty.
 */
public final class ApiClient {
  public static final String DEFAULT_SERVER = "http://localhost:7071";
  public static final String SERVER_ENV = "FLUKE_SERVER";
  public static final String TOKEN_ENV = "FLUKE_API_TOKEN";

  /** How long a connection to the server may take to open. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** A decoded answer and the JSON text it came from. */
  public record Reply<T>(T value, String json) {}

  private final URI server;
  private final String token;
  private final Duration requestTimeout;

  /**
   * The API's JSON mapper ({@link ApiJson}), made once per process, when first needed: it is
   * thread-safe, and making one costs more than a whole request.
   */
  public static ObjectMapper json() {
    return Json.MAPPER;
  }

  private static final class Json {
    static final ObjectMapper MAPPER = ApiJson.create();
  }

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
  /**
   * @param missingNodes cluster mode: the server nodes that did not answer in time (their agents
   *     are listed as unknown); empty when the list is complete
   */
  public record Filtered(
      Reply<List<Dto.AgentSummary>> matching, int known, List<String> missingNodes) {}

  public Filtered agents(String filter) {
    String path =
        filter == null || filter.isBlank() ? "agents" : "agents?filter=" + encode(filter.trim());
    Answer response = exchange(path, null, null);
    int known =
        response
            .header(AgentRoutes.KNOWN_HEADER)
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
        decode(response.body(), new TypeReference<List<Dto.AgentSummary>>() {}.getType());
    return new Filtered(reply, known, missingNodes(response));
  }

  /** The server nodes an answer's {@code Fluke-Missing-Nodes} header names; empty without it. */
  private static List<String> missingNodes(Answer response) {
    return response
        .header(AgentRoutes.MISSING_NODES_HEADER)
        .map(v -> List.of(v.split(",")))
        .orElse(List.of());
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

  /** The staged rollouts of the tasks in force that have one (issue 10). */
  public Reply<List<Dto.RolloutStatus>> rollouts() {
    return get("rollouts", new TypeReference<>() {}, null);
  }

  /**
   * @throws ApiClientException with status 404 when the task is not in force or has no rollout
   */
  public Reply<Dto.RolloutStatus> rollout(String task) {
    return get(
        "rollouts/" + encode(task),
        new TypeReference<>() {},
        "list the rollouts with 'fluke get rollout'");
  }

  /**
   * Resumes the task's halted rollout.
   *
   * @throws ApiClientException with status 404 when the task is not in force or has no rollout
   */
  public Reply<Dto.RolloutStatus> resumeRollout(String task) {
    return decode(
        send(
            "rollouts/" + encode(task) + "/resume",
            "{}",
            "list the rollouts with 'fluke get rollout'"),
        Dto.RolloutStatus.class);
  }

  public Reply<List<Dto.DriftEntry>> drift() {
    return get("drift", new TypeReference<>() {}, null);
  }

  /**
   * Events and, in cluster mode, the server nodes that did not answer in time (their events are not
   * in the list); {@code missingNodes} is empty when the history is complete.
   */
  public record Events(Reply<List<Event>> listed, List<String> missingNodes) {}

  /** Newest first; null or empty filters mean any, the limit must be 1 to 1000. */
  public Reply<List<Event>> events(EventQuery query) {
    return eventsOfEveryNode(query).listed();
  }

  /** {@link #events} with the server nodes that did not answer (cluster mode). */
  public Events eventsOfEveryNode(EventQuery query) {
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
    Answer response = exchange("events" + q, null, null);
    Reply<List<Event>> listed =
        decode(response.body(), new TypeReference<List<Event>>() {}.getType());
    return new Events(listed, missingNodes(response));
  }

  /** The server nodes ({@code GET /api/v1/nodes}). */
  public Reply<List<Dto.NodeInfo>> nodes() {
    return get("nodes", new TypeReference<>() {}, null);
  }

  public Reply<Dto.ManifestStatus> manifest() {
    return get("manifest", new TypeReference<>() {}, null);
  }

  /**
   * Accepts the refused rewrite (force push) of the manifest branch to {@code commit}.
   *
   * @throws ApiClientException with status 409 and the server's reason when no such rewrite is
   *     waiting, 400 when {@code commit} is no commit id
   */
  public Reply<Dto.RewriteAccepted> acceptRewrite(String commit) {
    String json = jsonObject(Map.of("commit", commit));
    return decode(send("manifest/accept", json, null), Dto.RewriteAccepted.class);
  }

  /**
   * Plans a ref of the manifest repository ({@code POST /api/v1/plan}): waits for the whole plan,
   * so this request waits up to {@code timeout} (the server's default when null) plus two minutes
   * for Git, whatever this client's request timeout.
   */
  public Reply<dev.fluke.api.PlanResult> plan(String ref, Duration timeout) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("ref", ref);
    if (timeout != null) {
      body.put("timeout", dev.fluke.hcl.Durations.format(timeout));
    }
    String json = jsonObject(body);
    Duration wait = timeout == null ? dev.fluke.api.PlanResult.DEFAULT_TIMEOUT : timeout;
    ApiClient patient =
        new ApiClient(
            server.toString(), token, wait.plus(Duration.ofMinutes(2)).plus(requestTimeout));
    return patient.decode(patient.send("plan", json, null), dev.fluke.api.PlanResult.class);
  }

  /**
   * Starts a manual reconcile.
   *
   * @throws ApiClientException with status 404 when the agent or task is unknown
   */
  public Reply<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target) {
    return reconcile(target, false);
  }

  /**
   * Starts a manual reconcile; with {@code force} it applies even what a suspension or a closed
   * maintenance window holds back.
   */
  public Reply<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target, boolean force) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("target", target.kind().word());
    if (target.name() != null) {
      body.put("name", target.name());
    }
    if (force) {
      body.put("force", true);
    }
    String json = jsonObject(body);
    String hint =
        target.kind() == TargetKind.TASK
            ? "list the tasks with 'fluke get tasks'"
            : "list the agents with 'fluke get agents'";
    return decode(send("reconcile", json, hint), Dto.ReconcileAccepted.class);
  }

  /** Every suspension in force ({@code GET /api/v1/suspensions}). */
  public Reply<List<dev.fluke.api.Suspension>> suspensions() {
    return get("suspensions", new TypeReference<>() {}, null);
  }

  /**
   * Suspends a scope ({@code POST /api/v1/suspensions}).
   *
   * @param forHowLong e.g. {@code 2h}, or null until resumed
   * @param by who, as the caller names themself (the server adds the token's identity)
   */
  public Reply<dev.fluke.api.Suspension.Change> suspend(
      TargetKind scope, String name, String reason, String forHowLong, String by) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("target", scope.word());
    if (name != null) {
      body.put("name", name);
    }
    body.put("reason", reason);
    if (forHowLong != null) {
      body.put("for", forHowLong);
    }
    if (by != null && !by.isBlank()) {
      body.put("by", by);
    }
    String json = jsonObject(body);
    return decode(send("suspensions", json, null), dev.fluke.api.Suspension.Change.class);
  }

  /**
   * Resumes a scope ({@code DELETE /api/v1/suspensions/...}).
   *
   * @throws ApiClientException with status 404 when it was not suspended
   */
  public Reply<dev.fluke.api.Suspension.Change> resume(TargetKind scope, String name) {
    String path =
        scope == TargetKind.ALL
            ? "suspensions/all"
            : "suspensions/" + scope.word() + "/" + encode(name);
    return decode(
        exchange("DELETE", path, null, "list the suspensions with 'fluke get suspensions'").body(),
        dev.fluke.api.Suspension.Change.class);
  }

  /**
   * Opens the live stream ({@code GET /api/v1/stream}, server-sent events) and returns once the
   * server has subscribed (its {@code ready} event arrived), so nothing that happens afterwards is
   * missed. The caller reads it with {@link LiveStream#next} and must {@link LiveStream#close} it.
   *
   * <p>This is the one call that starts Pekko (an actor system of its own for the stream's HTTP
   * client, stopped by {@link LiveStream#close}).
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
    return LiveStream.open(this, URI.create(server + "/api/v1/" + query), token, requestTimeout);
  }

  /**
   * Why a stream ended before it was open: no connection, or an answer that is not a stream (an
   * error from the server, a page from something else).
   *
   * @param status the HTTP status, or 0 when no answer came ({@code failure} says why)
   * @param contentType the answer's content type when it came with a 2xx status
   * @param body the answer's body, for the server's message
   */
  ApiClientException notOpened(int status, String contentType, String body, Throwable failure) {
    if (failure != null) {
      return unreachable(failure);
    }
    if (status / 100 == 2) {
      return new ApiClientException(
          status,
          "unexpected answer from "
              + server
              + " (is it a Fluke server of a matching version?): expected a live"
              + " stream (text/event-stream), got "
              + (contentType == null || contentType.isEmpty() ? "no content type" : contentType),
          null);
    }
    return failure(
        status,
        serverMessage(status, body),
        "this server has no live stream (GET /api/v1/stream): is it older than this fluke command?");
  }

  /** Why an open stream ended: the server closed it ({@code failure} null) or it broke. */
  ApiClientException ended(Throwable failure) {
    if (failure == null) {
      return new ApiClientException(
          0,
          "the Fluke server at "
              + server
              + " closed the live stream (is it shutting down?); run the command"
              + " again when it is back",
          null);
    }
    return new ApiClientException(
        0,
        "the live stream from "
            + server
            + " broke ("
            + describe(failure)
            + "): the server stopped or the connection was lost; run the command again",
        failure);
  }

  ObjectMapper mapper() {
    return json();
  }

  private <T> Reply<T> get(String path, TypeReference<T> type, String notFoundHint) {
    String body = send(path, null, notFoundHint);
    return decode(body, type.getType());
  }

  /**
   * The answer as a {@code type}: with {@link ApiRecords} when it reads the type (every answer of
   * the API today), else with the data binding.
   */
  @SuppressWarnings("unchecked")
  private <T> Reply<T> decode(String body, Type type) {
    try {
      if (ApiRecords.supports(type)) {
        return new Reply<>((T) ApiRecords.read(body, type), body);
      }
      ObjectMapper mapper = mapper();
      return new Reply<>(mapper.readValue(body, mapper.getTypeFactory().constructType(type)), body);
    } catch (IOException e) {
      throw new ApiClientException(
          200,
          "unexpected answer from "
              + server
              + " (is it a Fluke server of a matching version?): "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
          e);
    }
  }

  /** A JSON object of strings and booleans, for a request's body (jackson-core only). */
  static String jsonObject(Map<String, ?> fields) {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = dev.fluke.json.PlainJson.factory().createGenerator(text)) {
      g.writeStartObject();
      for (Map.Entry<String, ?> f : fields.entrySet()) {
        g.writeFieldName(f.getKey());
        if (f.getValue() instanceof Boolean b) {
          g.writeBoolean(b);
        } else if (f.getValue() == null) {
          g.writeNull();
        } else {
          g.writeString(f.getValue().toString());
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing to a string does not fail", e);
    }
    return text.toString();
  }

  /**
   * One request: a GET, or a POST of {@code jsonBody} when it is not null; returns the body of a
   * 2xx answer and throws {@link ApiClientException} for anything else.
   */
  private String send(String path, String jsonBody, String notFoundHint) {
    return exchange(path, jsonBody, notFoundHint).body();
  }

  /** A 2xx answer: its body and its headers. */
  private record Answer(String body, Map<String, List<String>> headers) {
    Optional<String> header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (name.equalsIgnoreCase(h.getKey()) && !h.getValue().isEmpty()) {
          return Optional.of(h.getValue().get(0));
        }
      }
      return Optional.empty();
    }
  }

  /** {@link #send}, with the answer's headers. */
  private Answer exchange(String path, String jsonBody, String notFoundHint) {
    return exchange(null, path, jsonBody, notFoundHint);
  }

  /** {@link #exchange(String, String, String)} with another method (DELETE) when not null. */
  private Answer exchange(String method, String path, String jsonBody, String notFoundHint) {
    HttpURLConnection c;
    try {
      c = (HttpURLConnection) URI.create(server + "/api/v1/" + path).toURL().openConnection();
    } catch (IOException e) {
      throw unreachable(e);
    }
    c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
    c.setReadTimeout((int) Math.max(1, requestTimeout.toMillis()));
    // As before with the JDK's other client: a redirect is an answer to show, not to follow.
    c.setInstanceFollowRedirects(false);
    c.setUseCaches(false);
    c.setRequestProperty("Accept", "application/json");
    if (token != null) {
      c.setRequestProperty("Authorization", "Bearer " + token);
    }
    byte[] bytes = jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8);
    try {
      if (method != null) {
        c.setRequestMethod(method);
      }
      if (bytes != null) {
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setFixedLengthStreamingMode(bytes.length);
      }
      try {
        c.connect();
      } catch (SocketTimeoutException e) {
        throw cannotReach("connection timed out", e);
      }
      if (bytes != null) {
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status = c.getResponseCode();
      String body = read(status >= 400 ? c.getErrorStream() : c.getInputStream());
      if (status >= 200 && status < 300) {
        return new Answer(body, c.getHeaderFields());
      }
      throw failure(status, serverMessage(status, body), notFoundHint);
    } catch (SocketTimeoutException e) {
      throw new ApiClientException(
          0,
          "the Fluke server at "
              + server
              + " did not answer within "
              + requestTimeout.toSeconds()
              + "s",
          e);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private static String read(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * No answer came: the message says why in the user's terms (the JDK's client and Pekko's report
   * the same causes in different wrappers, so the whole chain is looked at).
   */
  private ApiClientException unreachable(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return cannotReach("unknown host " + server.getHost(), e);
      }
      if (c instanceof SSLException) {
        return cannotReach("TLS failed: " + c.getMessage(), e);
      }
      if (c instanceof ConnectException
          || String.valueOf(c.getMessage()).contains("Connection refused")) {
        return cannotReach("connection refused", e);
      }
    }
    return cannotReach(describe(e), e);
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private ApiClientException cannotReach(String why, Throwable cause) {
    return ApiClientException.unreachable(
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
          case 409 -> message;
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
      ApiError error = (ApiError) ApiRecords.read(body, ApiError.class);
      if (error.error() != null && !error.error().isBlank()) {
        return error.error();
      }
    } catch (IOException notJson) {
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

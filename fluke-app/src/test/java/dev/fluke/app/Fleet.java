package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.app.client.ApiClient;
import dev.fluke.app.client.ApiClientException;
import dev.fluke.config.AgentConfig;
import dev.fluke.config.ConfigLoader;
import dev.fluke.config.ServerConfig;
import dev.fluke.testing.TestRepos;
import dev.fluke.testing.TestTools;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A whole Fluke installation on loopback for end-to-end tests: a real manifest Git repository, a
 * real {@link ServerNode} (its own actor system, gRPC and HTTP listeners on free ports), real
 * {@link AgentNode}s (each its own actor system, dialing the server over gRPC with real executors
 * and the real mise), a webhook receiver for alerts and an API client. Configs are written as HCL
 * and go through the same loader as {@code fluke server --config}.
 */
final class Fleet implements AutoCloseable {
  static final String AGENT_TOKEN = "agent-token-for-tests";

  /** Short timings so cycles, retries and reconnects happen within a test's patience. */
  static final Config PEKKO =
      ConfigFactory.parseString(
              """
      fluke.server.reconcile.retry-backoff-min = 1s
      fluke.server.agents.heartbeat-interval = 1s
      fluke.agent.reconnect.min-backoff = 200ms
      fluke.agent.reconnect.max-backoff = 1s
      """)
          .withFallback(ConfigFactory.load());

  final Path tmp;
  final TestRepos.Repo repo;
  final HttpServer hooks;
  final List<JsonNode> alerts;
  final ServerNode server;
  final ApiClient api;
  final Map<String, String> agentEnv;
  private final List<AgentNode> agents = new ArrayList<>();

  private Fleet(
      Path tmp,
      TestRepos.Repo repo,
      HttpServer hooks,
      List<JsonNode> alerts,
      ServerNode server,
      Map<String, String> agentEnv) {
    this.tmp = tmp;
    this.alerts = alerts;
    this.repo = repo;
    this.hooks = hooks;
    this.server = server;
    this.agentEnv = agentEnv;
    this.api = new ApiClient("http://127.0.0.1:" + server.httpPort(), null, Duration.ofSeconds(10));
  }

  /**
   * @param manifests path → content of the first commit of the manifest repo
   * @param serverPolicy the server's default drift policy
   */
  static Fleet start(Path tmp, Map<String, String> manifests, String serverPolicy)
      throws IOException {
    return start(tmp, manifests, serverPolicy, "1s", "");
  }

  /**
   * @param pollInterval how often the server fetches the manifest repo
   * @param gitExtra more attributes of the server's {@code git} block (e.g. {@code webhook_secret =
   *     "…"})
   */
  static Fleet start(
      Path tmp,
      Map<String, String> manifests,
      String serverPolicy,
      String pollInterval,
      String gitExtra)
      throws IOException {
    return start(tmp, manifests, serverPolicy, pollInterval, gitExtra, "");
  }

  /**
   * @param serverExtra more blocks or attributes of the server block (e.g. an {@code event_store})
   */
  static Fleet start(
      Path tmp,
      Map<String, String> manifests,
      String serverPolicy,
      String pollInterval,
      String gitExtra,
      String serverExtra)
      throws IOException {
    return start(tmp, manifests, serverPolicy, pollInterval, gitExtra, serverExtra, null);
  }

  /**
   * @param clock the clock the server's engine reads (null: the system clock)
   */
  static Fleet start(
      Path tmp,
      Map<String, String> manifests,
      String serverPolicy,
      String pollInterval,
      String gitExtra,
      String serverExtra,
      java.time.Clock clock)
      throws IOException {
    TestRepos.Repo repo = TestRepos.init(tmp.resolve("manifests"));
    manifests.forEach(repo::write);
    repo.commit("first manifests");

    HttpServer hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<JsonNode> received = new CopyOnWriteArrayList<>();
    ObjectMapper json = new ObjectMapper();
    hooks.createContext(
        "/hook",
        exchange -> {
          received.add(json.readTree(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    hooks.start();

    String hcl =
        """
        server {
          listen_grpc        = "127.0.0.1:0"
          listen_http        = "127.0.0.1:0"
          agent_tokens       = ["%s"]
          data_dir           = "%s"
          reconcile_interval = "2s"
          git {
            url           = "%s"
            branch        = "main"
            poll_interval = "%s"
            %s
          }
          drift {
            policy        = "%s"
            alert_webhook = "http://127.0.0.1:%d/hook"
          }
          %s
        }
        """
            .formatted(
                AGENT_TOKEN,
                tmp.resolve("server"),
                repo.url(),
                pollInterval,
                gitExtra,
                serverPolicy,
                hooks.getAddress().getPort(),
                serverExtra);
    ServerConfig config;
    try {
      config = new ConfigLoader().parseServer("server.hcl", hcl, Map.of());
    } catch (dev.fluke.config.ConfigException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    ServerNode server = ServerNode.start(config, PEKKO, clock);
    Map<String, String> env = new HashMap<>(TestTools.isolatedMiseEnv(tmp.resolve("mise")));
    return new Fleet(tmp, repo, hooks, received, server, env);
  }

  /**
   * Starts an agent named {@code name} with these labels and the given token. Its stop grace is 1
   * s: stopping it mid-apply kills the apply (AgentStopAndRestartIT covers the grace itself).
   */
  AgentNode startAgent(String name, String labels, String token) {
    return startAgent(name, labels, token, Map.of());
  }

  /** Starts an agent whose commands also see {@code extraEnv} (e.g. its own name). */
  AgentNode startAgent(String name, String labels, String token, Map<String, String> extraEnv) {
    String hcl =
        """
        agent {
          server_url = "grpc://127.0.0.1:%d"
          token      = "%s"
          name       = "%s"
          labels     = %s
          state_dir  = "%s"
          stop_grace = "1s"
          execution {
            command_timeout = "3s"
            mise_path       = "%s"
          }
        }
        """
            .formatted(
                server.grpcPort(),
                token,
                name,
                labels,
                tmp.resolve("agent-" + name),
                TestTools.mise());
    AgentConfig config;
    try {
      config = new ConfigLoader().parseAgent("agent.hcl", hcl, Map.of());
    } catch (dev.fluke.config.ConfigException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    Map<String, String> env = new HashMap<>(agentEnv);
    env.putAll(extraEnv);
    AgentNode agent = AgentNode.start(config, env, PEKKO);
    agents.add(agent);
    return agent;
  }

  AgentNode startAgent(String name, String labels) {
    return startAgent(name, labels, AGENT_TOKEN);
  }

  void stopAgent(AgentNode agent) {
    agents.remove(agent);
    agent.close();
  }

  /** Commits new manifest content; the server sees it on its next poll. */
  String commit(String path, String content) {
    return repo.commitFile(path, content, "change " + path);
  }

  Optional<Dto.AgentDetail> agent(String name) {
    try {
      return Optional.of(api.agent(name).value());
    } catch (ApiClientException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The status word of a task on an agent, or "absent". */
  String status(String agent, String task) {
    return agent(agent)
        .flatMap(a -> a.tasks().stream().filter(t -> t.task().equals(task)).findFirst())
        .map(t -> t.status().word())
        .orElse("absent");
  }

  Optional<Dto.TaskStatus> taskStatus(String agent, String task) {
    return agent(agent)
        .flatMap(a -> a.tasks().stream().filter(t -> t.task().equals(task)).findFirst());
  }

  List<JsonNode> alerts(String event) {
    return alerts.stream().filter(a -> event.equals(a.path("event").asText())).toList();
  }

  /**
   * Waits (bounded) until {@code condition} holds; fails with {@code what} and the last state seen.
   */
  static void await(
      String what, Duration max, Supplier<Boolean> condition, Supplier<Object> state) {
    try {
      Awaitility.await()
          .atMost(max)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions() // the server may still be starting: keep waiting
          .until(condition::get);
      return;
    } catch (ConditionTimeoutException e) {
      // reported below with the last state seen
    }
    Object seen;
    try {
      seen = state.get();
    } catch (RuntimeException e) {
      seen = e;
    }
    fail("timed out after " + max + " waiting until " + what + "; last state: " + seen);
  }

  void awaitStatus(String agent, String task, String status) {
    await(
        agent + "/" + task + " is " + status,
        Duration.ofSeconds(40),
        () -> status.equals(status(agent, task)),
        () -> agent(agent).map(Object::toString).orElse("no agent"));
  }

  static String read(Path p) {
    try {
      return java.nio.file.Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    for (AgentNode a : List.copyOf(agents)) {
      a.close();
    }
    server.close();
    hooks.stop(0);
    repo.close();
  }
}

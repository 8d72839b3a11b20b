package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.git.GitSource;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.metrics.FlukeMetrics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.awaitility.Awaitility;

/**
 * One server engine for one test: {@link FlukeServer} started under its own parent actor in the
 * class's test kit, fed by a {@link FakeGit} and the {@link LineManifestLoader}, with a memory
 * event store.
 */
final class ServerFixture implements AutoCloseable {
  private static final AtomicInteger SERVERS = new AtomicInteger();
  static final Duration INTERVAL = Duration.ofHours(1);

  final FakeGit git = new FakeGit();
  final LineManifestLoader loader = new LineManifestLoader();
  final MemoryEventStore events = new MemoryEventStore(200, 100, 100);
  final FlukeMetrics metrics = new FlukeMetrics();
  final ActorTestKit kit;
  final FlukeServer server;
  final FleetApi api;
  private final ActorRef<Void> parent;

  /**
   * Settings where nothing happens by the clock unless a test says so; a fresh data dir under
   * {@code tmp}.
   */
  static ServerSettings settings(Path tmp, URI webhook) {
    Path dataDir;
    try {
      dataDir = java.nio.file.Files.createTempDirectory(tmp, "server");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return ServerSettings.create(ConfigFactory.load())
        .withDataDir(dataDir)
        .withGit(GitSource.of("file:///fake/manifests", "main"), INTERVAL, "**.tasks")
        .withReconcile(
            new ServerSettings.Reconcile(
                INTERVAL,
                DriftPolicy.REMEDIATE,
                Duration.ofMinutes(10),
                Duration.ofMinutes(30),
                Duration.ofSeconds(15),
                INTERVAL))
        .withAgents(
            new ServerSettings.Agents(INTERVAL, 3, 5, 16, INTERVAL, 100, Duration.ofSeconds(30)))
        .withDrift(DriftPolicy.REMEDIATE, webhook);
  }

  ServerFixture(ActorTestKit kit, ServerSettings given, String... firstCommit) {
    this(kit, given, null, firstCommit);
  }

  /** A server whose registrations {@code admission} decides (null: a single server's). */
  ServerFixture(
      ActorTestKit kit, ServerSettings given, AgentAdmission admission, String... firstCommit) {
    this.kit = kit;
    // The engine reads the test's clock, which moves with ManualTime (TestTime.timePasses).
    // (A test that needs a clock of its own gives settings with it.)
    ServerSettings settings =
        given.clock().equals(java.time.Clock.systemUTC())
            ? given.withClock(TestTime.of(kit.system()).clock())
            : given;
    if (firstCommit.length > 0) {
      commit("c1", firstCommit);
    }
    CompletableFuture<FlukeServer> started = new CompletableFuture<>();
    parent =
        kit.spawn(
            Behaviors.<Void>setup(
                ctx -> {
                  started.complete(
                      admission == null
                          ? FlukeServer.start(ctx, settings, git, loader, events, metrics)
                          : FlukeServer.start(
                              ctx, settings, git, loader, events, metrics, admission));
                  return Behaviors.empty();
                }),
            "server-" + SERVERS.incrementAndGet());
    server = started.join();
    api = server.fleetApi();
  }

  /** Publishes a commit of one manifest file made of these task lines. */
  void commit(String id, String... lines) {
    git.commit(id, Map.of("main.tasks", String.join("", lines)));
  }

  /** Waits until the tasks of {@code commit} are in force everywhere new agents look. */
  void awaitInForce(String commit) {
    eventually(() -> await(api.manifest()), m -> commit.equals(m.commit()));
    eventually(() -> await(api.tasks()), t -> !t.isEmpty());
  }

  TestAgent connect(String name, Map<String, String> labels) {
    // The tests drive time by hand; an agent whose periodic slot falls early in the interval would
    // start cycles a test does not expect.
    assertTrue(
        ServerSettings.Reconcile.slotOf(name, INTERVAL).compareTo(Duration.ofMinutes(10)) > 0,
        "pick another test agent name: its interval slot is too early");
    TestAgent agent = TestAgent.connect(server.gateway(), kit.system(), "test:" + name);
    agent.register(name, labels);
    return agent;
  }

  Dto.AgentDetail agent(String name) {
    return await(api.agent(name)).orElseThrow();
  }

  Dto.TaskStatus status(String agent, String task) {
    return agent(agent).tasks().stream()
        .filter(t -> t.task().equals(task))
        .findFirst()
        .orElseThrow();
  }

  List<Event> events(String agent) {
    return await(events.query(new EventQuery(agent, null, null, 0)));
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer from the server", e);
    }
  }

  /** Waits (real time, at most 10 s) until the value satisfies the condition; answers it. */
  static <T> T eventually(Supplier<T> value, Predicate<T> condition) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(value::get, condition::test);
  }

  @Override
  public void close() {
    kit.stop(parent);
  }
}

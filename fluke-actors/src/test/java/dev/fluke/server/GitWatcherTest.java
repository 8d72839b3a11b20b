package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static dev.fluke.server.LineManifestLoader.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.git.GitSource;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.metrics.FlukeMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Desired state from Git (SPEC §2, §4): snapshots, rejected commits, fetch failures, coalescing;
 * and what the watcher feeds: fetch counts, the snapshot time, manifest updates for live viewers.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GitWatcherTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Duration POLL = Duration.ofMinutes(1);

  @TempDir Path tmp;
  // PER_CLASS shares the instance between tests: everything a test touches is made fresh here.
  private Path dir;
  private FakeGit git;
  private LineManifestLoader loader;
  private MemoryEventStore events;
  private ManualTime time;
  private TestProbe<DesiredState> subscriber;
  private ActorRef<GitWatcher.Command> watcher;
  private FlukeMetrics metrics;
  private LiveHub hub;
  private TestSubscriber.Probe<LiveUpdate> viewer;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory(tmp, "data");
    git = new FakeGit();
    loader = new LineManifestLoader();
    events = new MemoryEventStore(10, 10, 10);
    time = ManualTime.get(testKit.system());
    subscriber = testKit.createTestProbe();
    metrics = new FlukeMetrics();
    hub = new LiveHub(new ServerSettings.Live(64, 10, 10), metrics);
    viewer = hub.subscribe().runWith(TestSink.create(testKit.system()), testKit.system());
    viewer.request(64);
  }

  private Double fetches(String result) {
    return value(metrics, "fluke_git_fetches_total", "result", result);
  }

  private void expectManifestUpdate() {
    assertEquals("manifest", viewer.expectNext(Duration.ofSeconds(5)).kind());
  }

  @AfterEach
  void tearDown() {
    git.release();
    if (watcher != null) {
      testKit.stop(watcher);
      watcher = null;
    }
  }

  private void startWatcher() {
    ServerSettings.Git settings =
        new ServerSettings.Git(
            GitSource.of("https://user:secret@example.org/m.git", "main"), POLL, "**.tasks");
    watcher = testKit.spawn(GitWatcher.create(settings, dir, git, loader, events, hub, metrics));
    watcher.tell(new GitWatcher.Subscribe(subscriber.getRef()));
  }

  private Dto.ManifestStatus status() {
    TestProbe<Dto.ManifestStatus> probe = testKit.createTestProbe();
    watcher.tell(new GitWatcher.GetStatus(probe.getRef()));
    return probe.receiveMessage();
  }

  private void commit(String id, String content) {
    git.commit(id, Map.of("a.tasks", content));
  }

  @Test
  void publishesTheTasksOfTheFirstGoodCommit() {
    commit(
        "c1",
        task("app", null, "shell:x", "role=web") + task("db", "alert_only", "shell:y", "role=db"));
    startWatcher();
    DesiredState state = subscriber.receiveMessage();
    assertEquals("c1", state.commit());
    assertEquals(List.of("app", "db"), state.tasks().stream().map(TaskSpec::name).toList());
    assertTrue(
        Files.exists(dir.resolve("manifests/a.tasks")), "checked out under <data-dir>/manifests");

    Dto.ManifestStatus s = status();
    assertEquals("c1", s.commit());
    assertEquals("https://user:***@example.org/m.git", s.repository());
    assertEquals(2, s.tasks());
    assertEquals(List.of("a.tasks"), s.files());
    assertTrue(s.errors().isEmpty());

    assertEquals(1, fetches("updated"));
    assertEquals(
        s.loadedAt().toEpochMilli() / 1000.0,
        value(metrics, "fluke_git_snapshot_loaded_timestamp_seconds"));
    expectManifestUpdate();
  }

  @Test
  void brokenCommitKeepsTheLastGoodStateAndShowsItsErrors() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    assertEquals("c1", subscriber.receiveMessage().commit());
    expectManifestUpdate();

    commit(
        "c2",
        task("app", null, "shell:x", "role=web")
            + "error unclosed block\nerror unknown attribute foo\n");
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    Dto.ManifestStatus s =
        ServerFixture.eventually(this::status, st -> "c2".equals(st.candidateCommit()));
    assertEquals("c1", s.commit(), "the last good commit stays in force");
    assertEquals(2, s.errors().size());
    assertEquals("a.tasks:2:1: unclosed block", s.errors().get(0).format());
    subscriber.expectNoMessage(Duration.ofMillis(100));
    assertTrue(
        events
            .query(new EventQuery(null, null, "invalid", 0))
            .toCompletableFuture()
            .join()
            .get(0)
            .message()
            .contains("a.tasks:2:1: unclosed block"));
    expectManifestUpdate(); // the rejected commit's errors are news too
    assertEquals(1, fetches("rejected"));

    commit("c3", task("app", null, "shell:x", "role=db"));
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    assertEquals("c3", subscriber.receiveMessage().commit());
    assertTrue(status().errors().isEmpty());
    expectManifestUpdate();
    assertEquals(2, fetches("updated"));
  }

  @Test
  void fetchFailureIsRecordedAndRetriedAtTheNextPoll() {
    git.failWith("authentication failed for https://example.org/m.git");
    startWatcher();
    Dto.ManifestStatus s = ServerFixture.eventually(this::status, st -> st.fetchError() != null);
    assertEquals("authentication failed for https://example.org/m.git", s.fetchError());
    assertNull(s.commit());
    assertEquals(1, fetches("failed"));
    assertNull(value(metrics, "fluke_git_snapshot_loaded_timestamp_seconds"), "no snapshot yet");
    expectManifestUpdate();

    git.heal();
    commit("c1", task("app", null, "shell:x", "role=web"));
    time.timePasses(POLL);
    assertEquals("c1", subscriber.receiveMessage().commit());
    assertNull(status().fetchError());
    assertEquals(
        1,
        events
            .query(new EventQuery(null, null, "fetch_failed", 0))
            .toCompletableFuture()
            .join()
            .size());
    expectManifestUpdate();
    assertEquals(1, fetches("updated"));
    assertNotNull(value(metrics, "fluke_git_snapshot_loaded_timestamp_seconds"));
  }

  @Test
  void requestsDuringASyncCoalesceIntoOneMore() throws Exception {
    commit("c1", task("app", null, "shell:x", "role=web"));
    git.hold();
    startWatcher();
    assertTrue(git.awaitEntered());
    for (int i = 0; i < 5; i++) {
      watcher.tell(GitWatcher.FetchNow.INSTANCE);
    }
    time.timePasses(POLL);
    status(); // all requests above are processed
    git.release();
    assertEquals("c1", subscriber.receiveMessage().commit());
    ServerFixture.eventually(git::syncs, n -> n == 2);
    status();
    subscriber.expectNoMessage(Duration.ofMillis(100));
    assertEquals(2, git.syncs());
  }

  @Test
  void unchangedCommitIsNotLoadedAgain() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    subscriber.receiveMessage();
    time.timePasses(POLL);
    time.timePasses(POLL);
    ServerFixture.eventually(git::syncs, n -> n == 3);
    status();
    assertEquals(1, loader.loads());
    subscriber.expectNoMessage(Duration.ofMillis(100));
    assertEquals(1, fetches("updated"));
    ServerFixture.eventually(
        () -> fetches("unchanged"),
        Double.valueOf(2)::equals); // the third sync may still be ending
    expectManifestUpdate();
    viewer.expectNoMessage(Duration.ofMillis(100)); // an unchanged commit is no news
  }

  @Test
  void lateSubscriberGetsTheStateInForce() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    subscriber.receiveMessage();
    TestProbe<DesiredState> late = testKit.createTestProbe();
    watcher.tell(new GitWatcher.Subscribe(late.getRef()));
    assertEquals("c1", late.receiveMessage().commit());
  }

  @Test
  void withoutARepositoryTheStatusSaysSo() {
    ServerSettings.Git settings =
        new ServerSettings.Git(GitSource.of(null, "main"), POLL, "**.tasks");
    watcher = testKit.spawn(GitWatcher.create(settings, dir, git, loader, events, hub, metrics));
    assertEquals("no manifest repository configured", status().fetchError());
    assertEquals(0, git.syncs());
  }
}

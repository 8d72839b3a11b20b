package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static dev.fluke.server.LineManifestLoader.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.git.GitSource;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.metrics.FlukeMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
  private MutableClock clock;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory(tmp, "data");
    clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
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

  private static final String URL = "https://user:secret@example.org/m.git";

  private void startWatcher() {
    startWatcher(URL, true, loader);
  }

  private void startWatcher(String url, boolean followForcePush, ManifestLoader withLoader) {
    ServerSettings.Git settings =
        new ServerSettings.Git(GitSource.of(url, "main"), POLL, "**.tasks", followForcePush);
    watcher =
        testKit.spawn(
            GitWatcher.create(settings, dir, git, withLoader, events, hub, metrics, clock));
    watcher.tell(new GitWatcher.Subscribe(subscriber.getRef()));
  }

  private void stopWatcher() {
    testKit.stop(watcher);
    watcher = null;
  }

  private List<Event> events(String outcome) {
    return events.query(new EventQuery(null, null, outcome, 0)).toCompletableFuture().join();
  }

  /** A 40-hex commit id made from a name, for the tests that accept commits by id. */
  static String id(String name) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-1")
                  .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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
        git.lastDir().startsWith(dir.resolve("git/repos")), "cloned under <data-dir>/git/repos");
    assertTrue(Files.exists(git.lastDir().resolve("a.tasks")));

    Dto.ManifestStatus s = status();
    assertEquals("c1", s.commit());
    assertEquals("https://user:***@example.org/m.git", s.repository());
    assertEquals(2, s.tasks());
    assertEquals(List.of("a.tasks"), s.files());
    assertTrue(s.errors().isEmpty());
    assertEquals(clock.instant(), s.loadedAt(), "time comes from the injected clock");
    assertEquals(clock.instant(), s.lastFetchAt());
    assertEquals("https://user:***@example.org/m.git", s.loadedFrom());
    assertNull(s.refusedCommit());

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
  void fetchFailureIsRecordedAndRetriedSoonerThanThePoll() {
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
    time.timePasses(FetchRetries.FIRST); // not a whole poll
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
  void failedFetchesInARowAreRetriedLessAndLessOftenUpToThePoll() {
    git.failWith("connection refused");
    startWatcher();
    ServerFixture.eventually(() -> fetches("failed"), n -> n != null && n == 1);
    // retries 2 s, then 4 s, then 8 s after each failure
    time.timePasses(Duration.ofSeconds(2));
    ServerFixture.eventually(() -> fetches("failed"), n -> n == 2);
    time.timePasses(Duration.ofSeconds(3));
    status();
    assertEquals(2, git.syncs(), "the second retry waits 4 s");
    time.timePasses(Duration.ofSeconds(1));
    ServerFixture.eventually(() -> fetches("failed"), n -> n == 3);
    time.timePasses(Duration.ofSeconds(7));
    status();
    assertEquals(3, git.syncs(), "the third retry waits 8 s");

    git.heal();
    commit("c1", task("app", null, "shell:x", "role=web"));
    time.timePasses(Duration.ofSeconds(1));
    assertEquals("c1", subscriber.receiveMessage().commit());
    // once a fetch succeeds, only the poll fetches again
    time.timePasses(Duration.ofSeconds(30));
    status();
    assertEquals(4, git.syncs());
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
        new ServerSettings.Git(GitSource.of(null, "main"), POLL, "**.tasks", true);
    watcher =
        testKit.spawn(GitWatcher.create(settings, dir, git, loader, events, hub, metrics, clock));
    assertEquals("no manifest repository configured", status().fetchError());
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    time.timePasses(POLL);
    assertEquals("no manifest repository configured", status().fetchError());
    assertEquals(0, git.syncs());
  }

  /** Wraps the line loader: a manifest holding {@code throw X} makes loading throw X. */
  private ManifestLoader throwing() {
    return (root, glob) -> {
      try {
        String all = Files.readString(root.resolve("a.tasks"));
        if (all.contains("throw StackOverflowError")) {
          throw new StackOverflowError();
        }
        if (all.contains("throw RuntimeException")) {
          throw new IllegalStateException("the loader tripped");
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return loader.load(root, glob);
    };
  }

  @Test
  void aLoaderThatThrowsRejectsThatCommitOnceAndTheLastGoodStateStays() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher(URL, true, throwing());
    assertEquals("c1", subscriber.receiveMessage().commit());

    commit("c2", task("app", null, "shell:x", "role=web") + "throw StackOverflowError\n");
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    Dto.ManifestStatus s =
        ServerFixture.eventually(this::status, st -> "c2".equals(st.candidateCommit()));
    assertEquals("c1", s.commit(), "the last good commit stays in force");
    assertNull(s.fetchError(), "Git worked: this is no fetch error");
    assertEquals(1, s.errors().size());
    String error = s.errors().get(0).message();
    assertTrue(error.contains("commit c2"), error);
    assertTrue(error.contains("java.lang.StackOverflowError"), error);
    List<Event> invalid = events("invalid");
    assertEquals(1, invalid.size());
    assertTrue(invalid.get(0).message().contains("commit c2"), invalid.get(0).message());
    assertEquals(1, fetches("rejected"));
    int loads = loader.loads();

    // once, not a retry loop: later polls neither load it again nor record it again
    time.timePasses(POLL);
    time.timePasses(POLL);
    ServerFixture.eventually(() -> fetches("unchanged"), n -> n != null && n == 2);
    assertEquals(1, events("invalid").size());
    assertEquals(loads, loader.loads());
    assertEquals("c2", status().candidateCommit());
    subscriber.expectNoMessage(Duration.ofMillis(100));

    // any exception, not only errors: a RuntimeException is rejected the same way
    commit("c3", task("app", null, "shell:x", "role=web") + "throw RuntimeException\n");
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    s = ServerFixture.eventually(this::status, st -> "c3".equals(st.candidateCommit()));
    assertTrue(s.errors().get(0).message().contains("the loader tripped"), s.errors().toString());
    assertEquals("c1", s.commit());

    // a later good commit loads
    commit("c4", task("app", null, "shell:x", "role=db"));
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    assertEquals("c4", subscriber.receiveMessage().commit());
    assertTrue(status().errors().isEmpty());
  }

  @Test
  void gitThatThrowsAnErrorIsAFetchFailureAndTheStateStays() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    assertEquals("c1", subscriber.receiveMessage().commit());
    git.throwing(new StackOverflowError());
    commit("c2", task("app", null, "shell:x", "role=db"));
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    Dto.ManifestStatus s = ServerFixture.eventually(this::status, st -> st.fetchError() != null);
    assertTrue(s.fetchError().contains("java.lang.StackOverflowError"), s.fetchError());
    assertEquals("c1", s.commit());
    time.timePasses(FetchRetries.FIRST);
    ServerFixture.eventually(() -> fetches("failed"), n -> n != null && n == 2);
    assertEquals(1, events("fetch_failed").size(), "the same failure is recorded once");

    git.heal();
    time.timePasses(POLL);
    assertEquals("c2", subscriber.receiveMessage().commit());
    assertNull(status().fetchError());
  }

  @Test
  void aForcePushIsFollowedWithAnEventNamingTheOldAndTheNewCommit() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    assertEquals("c1", subscriber.receiveMessage().commit());

    git.forcePush("c2", Map.of("a.tasks", task("app", null, "shell:y", "role=web")));
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    assertEquals("c2", subscriber.receiveMessage().commit());
    List<Event> rewritten = events("rewritten");
    assertEquals(1, rewritten.size());
    String message = rewritten.get(0).message();
    assertTrue(message.contains("from c1 to c2"), message);
    assertTrue(message.contains("force push"), message);
    assertEquals(2, events("loaded").size(), "and the new commit loaded");
  }

  @Test
  void aForcePushIsRefusedWhenAskedUntilAnOperatorAcceptsItsCommit() {
    String c1 = id("c1");
    String c2 = id("c2");
    git.commit(c1, Map.of("a.tasks", task("app", null, "shell:x", "role=web")));
    startWatcher(URL, false, loader);
    assertEquals(c1, subscriber.receiveMessage().commit());
    Dto.RewriteAccepted early = accept(c1);
    assertFalse(early.accepted());
    assertTrue(early.message().contains("no rewrite of the branch is waiting"), early.message());

    git.forcePush(c2, Map.of("a.tasks", task("app", null, "shell:y", "role=web")));
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    Dto.ManifestStatus s = ServerFixture.eventually(this::status, st -> st.refusedCommit() != null);
    assertEquals(c2, s.refusedCommit());
    assertEquals(c1, s.commit(), "the commit in force stays");
    assertTrue(s.fetchError().contains("fluke accept rewrite " + c2), s.fetchError());
    time.timePasses(POLL);
    time.timePasses(POLL);
    ServerFixture.eventually(() -> fetches("rejected"), n -> n != null && n == 3);
    assertEquals(1, events("rewrite_refused").size(), "refused once, not on every poll");
    subscriber.expectNoMessage(Duration.ofMillis(100));

    Dto.RewriteAccepted wrong = accept(c1.substring(0, 10));
    assertFalse(wrong.accepted());
    assertTrue(wrong.message().contains("is to " + c2), wrong.message());
    assertFalse(accept("c2").accepted(), "too short to name a commit");

    Dto.RewriteAccepted ok = accept(c2.substring(0, 8).toUpperCase(java.util.Locale.ROOT));
    assertTrue(ok.accepted(), ok.message());
    assertEquals(c2, ok.commit());
    assertEquals(c2, subscriber.receiveMessage().commit());
    s = status();
    assertNull(s.refusedCommit());
    assertNull(s.fetchError());
    assertEquals(1, events("rewrite_accepted").size());
    assertTrue(events("rewritten").get(0).message().contains("accepted by an operator"));
    assertFalse(accept(c2).accepted(), "nothing is waiting any more");
  }

  @Test
  void acceptingIsRefusedWhenRewritesAreFollowed() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    subscriber.receiveMessage();
    Dto.RewriteAccepted r = accept(id("c1"));
    assertFalse(r.accepted());
    assertTrue(r.message().contains("on_force_push = \"follow\""), r.message());
  }

  private Dto.RewriteAccepted accept(String commit) {
    TestProbe<Dto.RewriteAccepted> probe = testKit.createTestProbe();
    watcher.tell(new GitWatcher.AcceptRewrite(commit, probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void aRestartPutsTheLastGoodStateInForceBeforeTheFirstFetch() {
    commit("c1", task("app", null, "shell:x", "role=web") + task("db", null, "shell:y", "role=db"));
    startWatcher();
    assertEquals("c1", subscriber.receiveMessage().commit());
    Instant loadedAt = status().loadedAt();
    // a later commit is rejected: the snapshot on disk stays the last good one
    commit("c2", "error broken\n");
    watcher.tell(GitWatcher.FetchNow.INSTANCE);
    ServerFixture.eventually(this::status, st -> "c2".equals(st.candidateCommit()));
    stopWatcher();

    git.failWith("the remote is unreachable");
    clock.advance(Duration.ofHours(1));
    startWatcher();
    DesiredState restored = subscriber.receiveMessage();
    assertEquals("c1", restored.commit());
    assertEquals(List.of("app", "db"), restored.tasks().stream().map(TaskSpec::name).toList());
    Dto.ManifestStatus s = ServerFixture.eventually(this::status, st -> st.fetchError() != null);
    assertEquals("c1", s.commit());
    assertEquals(loadedAt, s.loadedAt(), "when it was loaded, not when it was restored");
    assertEquals(2, s.tasks());
    assertEquals("the remote is unreachable", s.fetchError());
    assertEquals(1, events("restored").size());

    // Git is back: the rejected commit is rejected again (this run has not seen it), c1 stays
    git.heal();
    time.timePasses(POLL);
    s = ServerFixture.eventually(this::status, st -> st.fetchError() == null);
    assertEquals("c1", s.commit());
    assertEquals("c2", s.candidateCommit());
    subscriber.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void theRestoredStateConfirmedByGitIsNotPublishedAgain() {
    commit("c1", task("app", null, "shell:x", "role=web"));
    startWatcher();
    assertEquals("c1", subscriber.receiveMessage().commit());
    stopWatcher();
    startWatcher();
    assertEquals("c1", subscriber.receiveMessage().commit()); // the restored state
    ServerFixture.eventually(() -> fetches("unchanged"), n -> n != null && n == 1);
    subscriber.expectNoMessage(Duration.ofMillis(100));
    assertEquals(1, events("loaded").size(), "loaded once, by the first run");
  }

  @Test
  void aNewUrlWithTheSameDataDirLoadsTheNewRepoAndNeverDropsTheOldState() throws Exception {
    commit("a1", task("app", null, "shell:x", "role=web"));
    startWatcher("https://git.example.org/old.git", true, loader);
    assertEquals("a1", subscriber.receiveMessage().commit());
    Path oldClone = git.lastDir();
    stopWatcher();

    git = new FakeGit(); // another repository
    git.commit("b1", Map.of("a.tasks", task("web", null, "shell:z", "role=web")));
    git.hold();
    startWatcher("https://git.example.org/new.git", true, loader);
    assertEquals("a1", status().commit(), "the very first answer already has the old state");
    // while the new repository is being cloned, the old state is in force
    assertEquals("a1", subscriber.receiveMessage().commit());
    assertTrue(git.awaitEntered());
    Dto.ManifestStatus during = status();
    assertEquals("a1", during.commit());
    assertEquals("https://git.example.org/old.git", during.loadedFrom());
    assertEquals("https://git.example.org/new.git", during.repository());

    git.release();
    DesiredState fresh = subscriber.receiveMessage();
    assertEquals("b1", fresh.commit());
    assertEquals(List.of("web"), fresh.tasks().stream().map(TaskSpec::name).toList());
    assertEquals("https://git.example.org/new.git", status().loadedFrom());
    assertFalse(git.lastDir().equals(oldClone), "one clone per repository URL");
    assertFalse(Files.exists(oldClone), "the old URL's clone is deleted once the new one loaded");
  }
}

package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.git.GitSource;
import dev.fluke.git.JGitSync;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.testing.GitHttpServer;
import dev.fluke.testing.TestRepos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link GitWatcher} on real Git: {@link JGitSync} against real repositories made with JGit,
 * over {@code file://} and smart HTTP ({@link GitHttpServer}, JGit's own test server): a clone that
 * cannot be updated (an edit, an untracked file in the way) is a cache and is cloned again; a force
 * push served over HTTP is followed.
 */
class GitWatcherOnRealGitTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;
  private JGitSync git;
  private MemoryEventStore events;
  private TestProbe<DesiredState> subscriber;
  private ActorRef<GitWatcher.Command> watcher;

  @BeforeEach
  void setUp() {
    git =
        new JGitSync(
            new JGitSync.Options(
                Duration.ofSeconds(30), JGitSync.HostKeyPolicy.STRICT, tmp.resolve("known_hosts")));
    events = new MemoryEventStore(10, 10, 10);
    subscriber = testKit.createTestProbe();
  }

  @AfterEach
  void tearDown() {
    if (watcher != null) {
      testKit.stop(watcher);
    }
    git.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private void startWatcher(String url) {
    ServerSettings.Git settings =
        new ServerSettings.Git(GitSource.of(url, "main"), Duration.ofHours(1), "**.tasks", true);
    FlukeMetrics metrics = new FlukeMetrics();
    LiveHub hub = new LiveHub(new ServerSettings.Live(64, 10, 10), metrics);
    watcher =
        testKit.spawn(
            GitWatcher.create(
                settings,
                tmp.resolve("data"),
                git,
                new LineManifestLoader(),
                events,
                hub,
                metrics,
                java.time.Clock.systemUTC()));
    watcher.tell(new GitWatcher.Subscribe(subscriber.getRef()));
  }

  private Dto.ManifestStatus status() {
    TestProbe<Dto.ManifestStatus> probe = testKit.createTestProbe();
    watcher.tell(new GitWatcher.GetStatus(probe.getRef()));
    return probe.receiveMessage();
  }

  /**
   * The next state the watcher puts in force. A sync is a clone or fetch on a busy CI machine, so
   * the wait is generous; when nothing comes, the failure says what the watcher's status and events
   * say (a fetch error, a sync still running).
   */
  private DesiredState nextInForce() {
    try {
      return subscriber.receiveMessage(Duration.ofSeconds(60));
    } catch (AssertionError nothing) {
      Dto.ManifestStatus now = status();
      List<Event> recorded =
          events.query(new EventQuery(null, null, null, 0)).toCompletableFuture().join();
      throw new AssertionError(
          "no new state in force within 60 s; status: "
              + now
              + "; events: "
              + recorded.stream().map(e -> e.kind() + " " + e.message()).toList(),
          nothing);
    }
  }

  private Path theClone() throws Exception {
    try (Stream<Path> clones = Files.list(tmp.resolve("data/git/repos"))) {
      List<Path> all = clones.toList();
      assertEquals(1, all.size(), all.toString());
      return all.get(0);
    }
  }

  @Test
  void aCloneThatCannotBeUpdatedIsClonedAgainAndTheNewCommitLoads() throws Exception {
    // someone edits the server's clone by hand: a fast-forward would refuse it
    assertClonedAgainAfterLocalFile("a.tasks", "edited on the server\n", "a.tasks", "app", "web");
  }

  @Test
  void aCloneWithAnUntrackedFileInTheWayIsClonedAgain() throws Exception {
    // a file left in the clone where the next commit adds one: status calls the clone clean
    assertClonedAgainAfterLocalFile("b.tasks", "left on the server\n", "b.tasks", "db", "db");
  }

  /**
   * The watcher has a first commit in force; {@code local} is written into its clone, and the next
   * commit writes {@code committed} (task {@code task} for {@code role}): that commit is loaded
   * from a new clone, with no fetch error left.
   */
  private void assertClonedAgainAfterLocalFile(
      String local, String content, String committed, String task, String role) throws Exception {
    try (TestRepos.Repo repo = TestRepos.init(tmp.resolve("repo"))) {
      String c1 = repo.commitFile("a.tasks", task("app", null, "shell:x", "role=web"), "c1");
      startWatcher(repo.url());
      assertEquals(c1, nextInForce().commit());

      Path clone = theClone();
      Files.writeString(clone.resolve(local), content);
      String expected = task(task, null, "shell:y", "role=" + role);
      String c2 = repo.commitFile(committed, expected, "c2");
      watcher.tell(GitWatcher.FetchNow.INSTANCE);
      assertEquals(c2, nextInForce().commit());
      assertNull(status().fetchError());
      assertEquals(expected, Files.readString(clone.resolve(committed)));
    }
  }

  @Test
  void aForcePushServedOverHttpIsFollowed() throws Exception {
    Path bare = TestRepos.initBare(tmp.resolve("bare.git"));
    try (TestRepos.Repo repo = TestRepos.init(tmp.resolve("repo"))) {
      String base = repo.commitFile("a.tasks", task("app", null, "shell:x", "role=web"), "base");
      String dropped = repo.commitFile("b.tasks", task("db", null, "shell:x", "role=db"), "db");
      repo.push(bare.toString());
      try (GitHttpServer http = GitHttpServer.start(bare, GitHttpServer.Mode.SMART)) {
        startWatcher(http.url());
        assertEquals(dropped, nextInForce().commit());

        repo.resetHard(base);
        String rewritten =
            repo.commitFile("c.tasks", task("cache", null, "shell:x", "role=db"), "instead");
        repo.push(bare.toString());
        watcher.tell(GitWatcher.FetchNow.INSTANCE);
        DesiredState now = nextInForce();
        assertEquals(rewritten, now.commit());
        assertEquals(
            List.of("app", "cache"), now.tasks().stream().map(t -> t.name()).sorted().toList());
        List<Event> followed =
            events.query(new EventQuery(null, null, "rewritten", 0)).toCompletableFuture().join();
        assertEquals(1, followed.size());
        assertTrue(
            followed.get(0).message().contains("from " + dropped + " to " + rewritten),
            followed.get(0).message());
      }
    }
  }
}

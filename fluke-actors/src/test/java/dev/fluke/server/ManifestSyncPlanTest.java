package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.git.GitSource;
import dev.fluke.git.JGitSync;
import dev.fluke.git.RewritePolicy;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.testing.TestRepos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ManifestSync#loadRef} on real Git: another ref's manifests are read for a plan without
 * touching the clone in force, the last good snapshot or anything but the plan's own cache.
 */
class ManifestSyncPlanTest {
  @TempDir Path tmp;
  private JGitSync git;
  private TestRepos.Repo upstream;
  private ManifestStore store;
  private ManifestSync sync;

  @BeforeEach
  void setUp() {
    git =
        new JGitSync(
            new JGitSync.Options(
                Duration.ofSeconds(30), JGitSync.HostKeyPolicy.STRICT, tmp.resolve("known_hosts")));
    upstream = TestRepos.init(tmp.resolve("upstream"));
    upstream.write("web.tasks", "task app\n").commit("first");
    store = new ManifestStore(tmp.resolve("data"));
    sync =
        new ManifestSync(
            new ServerSettings.Git(
                GitSource.of(upstream.url(), "main"), Duration.ofHours(1), "**.tasks", true),
            store,
            git,
            new LineManifestLoader(),
            Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    upstream.close();
    git.close();
  }

  @Test
  void aBranchIsLoadedBesideTheCloneInForceWhichStaysAsItWas() throws Exception {
    ManifestSync.Outcome inForce = sync.run(new ManifestSync.Request(null, RewritePolicy.FOLLOW));
    String main = ((ManifestSync.Outcome.Loaded) inForce).commit();
    upstream.checkoutNewBranch("feature");
    String feature = upstream.write("db.tasks", "task backup\n").commit("more");
    upstream.checkout("main");
    Path clone = store.checkoutFor(GitSource.of(upstream.url(), "main"));

    ManifestSync.Planned p = sync.loadRef("feature");

    assertNull(p.error());
    assertEquals(feature, p.commit());
    assertEquals(
        java.util.List.of("backup", "app"),
        p.manifests().tasks().stream().map(TaskSpec::name).toList());
    assertFalse(Files.exists(clone.resolve("db.tasks")), "the clone in force was not touched");
    try (TestRepos.Repo c = TestRepos.open(clone)) {
      assertEquals(main, c.resolve("HEAD"));
    }
    assertEquals(main, store.readSnapshot().orElseThrow().commit(), "last good unchanged");
    try (Stream<Path> left = Files.list(tmp.resolve("data/git/plan/work"))) {
      assertEquals(0, left.count(), "the ref's files are deleted after loading");
    }
    assertEquals(
        main,
        ((ManifestSync.Outcome.Unchanged)
                sync.run(new ManifestSync.Request(main, RewritePolicy.FOLLOW)))
            .commit(),
        "the next sync finds the branch in force where it was");
  }

  @Test
  void anUnknownRefIsAnErrorAndLoadsNothing() {
    ManifestSync.Planned p = sync.loadRef("nope");
    assertNull(p.manifests());
    assertTrue(p.error().contains("no branch, tag or commit 'nope'"), p.error());
  }

  @Test
  void aClosedSyncReadsNoRefAndWritesNothing() {
    assertTrue(sync.close(Duration.ofSeconds(5)));
    ManifestSync.Planned p = sync.loadRef("main");
    assertNull(p.manifests());
    assertEquals("the server is stopping", p.error());
    assertFalse(Files.exists(tmp.resolve("data/git/plan")), "nothing written into the data dir");
  }
}

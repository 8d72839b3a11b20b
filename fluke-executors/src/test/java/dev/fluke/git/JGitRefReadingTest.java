package dev.fluke.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.TestRepos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JGitSync#exportRef} and {@link JGitSync#pendingSync} on real repositories: reading another
 * ref for a plan never touches a working copy, and a plan's check can tell what a sync would do
 * without doing it.
 */
class JGitRefReadingTest {
  @TempDir Path tmp;
  private JGitSync git;
  private TestRepos.Repo upstream;
  private GitSource source;
  private String mainTip;

  @BeforeEach
  void setUp() {
    git =
        new JGitSync(
            new JGitSync.Options(
                Duration.ofSeconds(30), JGitSync.HostKeyPolicy.STRICT, tmp.resolve("known_hosts")));
    upstream = TestRepos.init(tmp.resolve("upstream"));
    upstream.write("web.fluke.hcl", "main\n").write("README.md", "readme\n");
    mainTip = upstream.commit("first");
    source = GitSource.of(upstream.url(), "main");
  }

  @AfterEach
  void tearDown() {
    upstream.close();
    git.close();
  }

  private Path export(String ref) throws GitSyncException {
    Path into = tmp.resolve("export-" + System.nanoTime());
    git.exportRef(source, ref, tmp.resolve("cache.git"), into, p -> p.endsWith(".fluke.hcl"));
    return into;
  }

  private static List<String> files(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void aBranchIsReadWithoutTouchingTheWorkingCopyTheServerRunsFrom() throws Exception {
    Path clone = tmp.resolve("clone");
    git.sync(source, clone);
    upstream.checkoutNewBranch("feature");
    String feature =
        upstream.write("web.fluke.hcl", "feature\n").write("db/db.fluke.hcl", "db\n").commit("f");
    upstream.checkout("main");

    Path into = tmp.resolve("into");
    String commit =
        git.exportRef(source, "feature", tmp.resolve("cache.git"), into, p -> p.endsWith(".hcl"));

    assertEquals(feature, commit);
    assertEquals(List.of("db/db.fluke.hcl", "web.fluke.hcl"), files(into), "only wanted files");
    assertEquals("feature\n", Files.readString(into.resolve("web.fluke.hcl")));
    assertEquals("main\n", Files.readString(clone.resolve("web.fluke.hcl")), "clone untouched");
    try (TestRepos.Repo c = TestRepos.open(clone)) {
      assertEquals(mainTip, c.resolve("HEAD"));
      assertNull(c.resolve("refs/remotes/origin/feature"), "nothing fetched into the clone");
    }
  }

  @Test
  void tagsCommitIdsAndPrefixesAndFullRefNamesAreRead() throws Exception {
    String second = upstream.commitFile("web.fluke.hcl", "second\n", "second");
    upstream.git().tag().setName("v1").setObjectId(null).setAnnotated(true).setMessage("v1").call();
    RefUpdate pull = upstream.git().getRepository().updateRef("refs/pull/7/head");
    pull.setNewObjectId(ObjectId.fromString(mainTip));
    pull.update();

    assertEquals("second\n", Files.readString(export("v1").resolve("web.fluke.hcl")));
    assertEquals("main\n", Files.readString(export(mainTip).resolve("web.fluke.hcl")));
    assertEquals(
        "main\n", Files.readString(export(mainTip.substring(0, 8)).resolve("web.fluke.hcl")));
    assertEquals("main\n", Files.readString(export("refs/pull/7/head").resolve("web.fluke.hcl")));
    assertEquals("second\n", Files.readString(export("refs/heads/main").resolve("web.fluke.hcl")));
    assertEquals(
        second,
        git.exportRef(source, "main", tmp.resolve("cache.git"), tmp.resolve("x"), p -> true));
  }

  @Test
  void anUnknownRefIsAnErrorNamingIt() {
    GitSyncException e = assertThrows(GitSyncException.class, () -> export("no-such-branch"));
    assertTrue(
        e.getMessage().contains("no branch, tag or commit 'no-such-branch'"), e.getMessage());
    assertThrows(GitSyncException.class, () -> export("deadbeefdeadbeef"));
  }

  @Test
  void aBranchDeletedUpstreamIsGoneFromTheCacheToo() throws Exception {
    upstream.checkoutNewBranch("short-lived").commitFile("web.fluke.hcl", "x\n", "x");
    upstream.checkout("main");
    export("short-lived");
    upstream.git().branchDelete().setBranchNames("short-lived").setForce(true).call();

    GitSyncException e = assertThrows(GitSyncException.class, () -> export("short-lived"));
    assertTrue(e.getMessage().contains("short-lived"), e.getMessage());
  }

  @Test
  void namesThatAreNoRefsAreRefusedBeforeAnyGitWork() {
    for (String bad :
        List.of("", "-upload-pack=evil", "main~1", "a..b", "main^", "@{1}", "refs/x")) {
      GitSyncException e = assertThrows(GitSyncException.class, () -> export(bad), bad);
      assertTrue(e.getMessage().contains("is not a branch, tag or commit name"), e.getMessage());
    }
    assertFalse(Files.exists(tmp.resolve("cache.git")), "no cache made for a bad name");
  }

  @Test
  void refNames() {
    assertTrue(RefNames.valid("feature/x"));
    assertTrue(RefNames.valid("v1.2.3"));
    assertTrue(RefNames.valid("refs/pull/12/head"));
    assertTrue(RefNames.valid("abcdef1"));
    assertFalse(RefNames.valid("feature x"));
    assertFalse(RefNames.valid("HEAD~2"));
    assertTrue(RefNames.other("refs/pull/12/head"));
    assertFalse(RefNames.other("refs/heads/main"));
    assertFalse(RefNames.other("refs/tags/v1"));
    assertFalse(RefNames.other("main"));
  }

  @Test
  void pendingSyncSaysWhatASyncWouldDoAndDoesNothing() throws Exception {
    Path wc = tmp.resolve("wc");
    String absent = git.pendingSync(source, wc);
    assertTrue(absent.startsWith("would clone"), absent);
    assertFalse(Files.exists(wc), "nothing cloned");

    git.sync(source, wc);
    assertNull(git.pendingSync(source, wc), "at the tip: nothing to do");

    String next = upstream.commitFile("web.fluke.hcl", "next\n", "next");
    String behind = git.pendingSync(source, wc);
    assertTrue(behind.contains("would bring") && behind.contains(next.substring(0, 10)), behind);
    assertEquals("main\n", Files.readString(wc.resolve("web.fluke.hcl")), "not fast-forwarded");

    Files.writeString(wc.resolve("web.fluke.hcl"), "edited by hand\n");
    GitSyncException dirty =
        assertThrows(GitSyncException.class, () -> git.pendingSync(source, wc));
    assertTrue(dirty.getMessage().contains("local changes"), dirty.getMessage());

    assertThrows(
        GitSyncException.class,
        () -> git.pendingSync(GitSource.of(upstream.url(), "nope"), tmp.resolve("other")));
  }
}

package dev.fluke.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.GitHttpServer;
import dev.fluke.testing.TestRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JGitSyncTest {
  private static final String PASSWORD = GitHttpServer.PASSWORD;
  private static final String USER = GitHttpServer.USER;
  @TempDir Path tmp;
  private JGitSync sync;
  private TestRepos.Repo upstream;

  @BeforeEach
  void setUp() {
    sync =
        new JGitSync(
            new JGitSync.Options(
                Duration.ofSeconds(30), JGitSync.HostKeyPolicy.STRICT, tmp.resolve("known_hosts")));
    upstream = TestRepos.init(tmp.resolve("upstream"));
    upstream.commitFile("README.md", "v1\n", "first");
  }

  @AfterEach
  void tearDown() {
    upstream.close();
    sync.close();
  }

  @Test
  void clonesIntoAnAbsentDirAndFastForwardsLater() throws Exception {
    Path wc = tmp.resolve("wc");
    String first = sync.sync(GitSource.of(upstream.url(), "main"), wc);
    assertEquals(upstream.resolve("HEAD"), first);
    assertEquals("v1\n", Files.readString(wc.resolve("README.md")));

    assertEquals(
        first, sync.sync(GitSource.of(upstream.url(), "main"), wc), "nothing new: same commit");

    String second = upstream.commitFile("README.md", "v2\n", "second");
    assertEquals(second, sync.sync(GitSource.of(upstream.url(), "main"), wc));
    assertEquals("v2\n", Files.readString(wc.resolve("README.md")));
    try (TestRepos.Repo local = TestRepos.open(wc)) {
      assertEquals(second, local.resolve("refs/heads/main"));
      assertEquals("refs/heads/main", local.git().getRepository().getFullBranch());
    }
  }

  @Test
  void pinChecksOutAGivenCommitAndTheNextSyncFastForwardsAgain() throws Exception {
    Path wc = tmp.resolve("wc");
    GitSource source = GitSource.of(upstream.url(), "main");
    String first = sync.sync(source, wc);
    String second = upstream.commitFile("README.md", "v2\n", "second");
    assertEquals(second, sync.sync(source, wc));

    assertEquals(first, sync.pin(source, wc, first).commit());
    assertEquals("v1\n", Files.readString(wc.resolve("README.md")));
    assertEquals(second, sync.sync(source, wc), "an older pin is no local work");
    assertEquals("v2\n", Files.readString(wc.resolve("README.md")));

    GitSyncException e =
        assertThrows(
            GitSyncException.class,
            () -> sync.pin(source, wc, "0123456789012345678901234567890123456789"));
    assertTrue(e.getMessage().contains("is not in the clone"), e.getMessage());
  }

  @Test
  void clonesIntoAnExistingEmptyDir() throws Exception {
    Path wc = Files.createDirectories(tmp.resolve("empty"));
    assertEquals(upstream.resolve("HEAD"), sync.sync(GitSource.of(upstream.url(), "main"), wc));
  }

  @Test
  void untrackedFilesDoNotBlockAFastForward() throws Exception {
    Path wc = tmp.resolve("wc");
    sync.sync(GitSource.of(upstream.url(), "main"), wc);
    Files.writeString(wc.resolve("build.log"), "made by the deploy\n");
    String second = upstream.commitFile("src/app.txt", "app\n", "second");
    assertEquals(second, sync.sync(GitSource.of(upstream.url(), "main"), wc));
    assertTrue(Files.exists(wc.resolve("build.log")));
  }

  @Test
  void divergedHistoryWithLocalCommitsIsAnErrorEvenWhenFollowingAndNothingIsReset()
      throws Exception {
    Path wc = tmp.resolve("wc");
    String base = sync.sync(GitSource.of(upstream.url(), "main"), wc);
    String local;
    try (TestRepos.Repo clone = TestRepos.open(wc)) {
      local = clone.commitFile("local.txt", "mine\n", "local work");
    }
    upstream.commitFile("README.md", "v2\n", "upstream work");

    GitSyncException e =
        assertThrows(
            GitSyncException.class,
            () -> sync.sync(GitSource.of(upstream.url(), "main"), wc, RewritePolicy.FOLLOW));
    assertTrue(e instanceof WorkingCopyException, "local work, not a rewrite upstream: " + e);
    assertTrue(e.getMessage().contains("diverged"), e.getMessage());
    assertTrue(e.getMessage().contains("commits of its own"), e.getMessage());
    try (TestRepos.Repo clone = TestRepos.open(wc)) {
      assertEquals(local, clone.resolve("HEAD"));
    }
    assertTrue(Files.exists(wc.resolve("local.txt")));
    assertFalse(base.equals(local));
  }

  @Test
  void localCommitsAheadOfTheRemoteAreAnError() throws Exception {
    Path wc = tmp.resolve("wc");
    sync.sync(GitSource.of(upstream.url(), "main"), wc);
    try (TestRepos.Repo clone = TestRepos.open(wc)) {
      clone.commitFile("local.txt", "mine\n", "local work");
    }
    GitSyncException e =
        assertThrows(
            WorkingCopyException.class, () -> sync.sync(GitSource.of(upstream.url(), "main"), wc));
    assertTrue(e.getMessage().contains("does not have"), e.getMessage());
  }

  /** Upstream drops the last commit and commits something else instead: a force push. */
  private String forcePush(String base, String content) {
    upstream.resetHard(base);
    return upstream.commitFile("README.md", content, "force-pushed");
  }

  @Test
  void rewrittenUpstreamHistoryIsFollowedByDefault() throws Exception {
    String base = upstream.resolve("HEAD");
    String old = upstream.commitFile("README.md", "v2\n", "second");
    Path wc = tmp.resolve("wc");
    sync.sync(GitSource.of(upstream.url(), "main"), wc);
    String rewritten = forcePush(base, "v2-rewritten\n");

    GitSync.Result r = sync.sync(GitSource.of(upstream.url(), "main"), wc, RewritePolicy.FOLLOW);
    assertEquals(new GitSync.Result(rewritten, old), r);
    assertTrue(r.rewritten());
    assertEquals("v2-rewritten\n", Files.readString(wc.resolve("README.md")));
    try (TestRepos.Repo local = TestRepos.open(wc)) {
      assertEquals(rewritten, local.resolve("refs/heads/main"));
      assertEquals(rewritten, local.resolve("refs/remotes/origin/main"));
      assertEquals("refs/heads/main", local.git().getRepository().getFullBranch());
    }
    // and from there on, ordinary fast-forwards again
    String next = upstream.commitFile("README.md", "v3\n", "third");
    assertEquals(
        GitSync.Result.of(next), sync.sync(GitSource.of(upstream.url(), "main"), wc, null));
  }

  @Test
  void rewriteIsRefusedWhenAskedLeavesTheWorkingCopyAndIsAcceptedByItsCommit() throws Exception {
    String base = upstream.resolve("HEAD");
    String old = upstream.commitFile("README.md", "v2\n", "second");
    Path wc = tmp.resolve("wc");
    GitSource source = GitSource.of(upstream.url(), "main");
    sync.sync(source, wc, RewritePolicy.REFUSE);
    String rewritten = forcePush(base, "v2-rewritten\n");

    for (int attempt = 0; attempt < 2; attempt++) { // a retry meets the same refusal
      HistoryRewrittenException e =
          assertThrows(
              HistoryRewrittenException.class, () -> sync.sync(source, wc, RewritePolicy.REFUSE));
      assertEquals(old, e.localCommit());
      assertEquals(rewritten, e.remoteCommit());
      assertTrue(e.getMessage().contains("rewritten"), e.getMessage());
      assertTrue(e.getMessage().contains(rewritten), e.getMessage());
      assertEquals("v2\n", Files.readString(wc.resolve("README.md")));
      try (TestRepos.Repo local = TestRepos.open(wc)) {
        assertEquals(old, local.resolve("HEAD"));
        assertEquals(old, local.resolve("refs/remotes/origin/main"), "moves with the checkout");
      }
    }
    // accepting another commit (here the old tip, which is not part of the new branch) does not
    // let this rewrite through
    assertThrows(
        HistoryRewrittenException.class,
        () -> sync.sync(source, wc, RewritePolicy.refuseExcept(old)));

    assertEquals(
        new GitSync.Result(rewritten, old),
        sync.sync(source, wc, RewritePolicy.refuseExcept(rewritten)));
    assertEquals("v2-rewritten\n", Files.readString(wc.resolve("README.md")));
  }

  @Test
  void anAcceptedRewriteStillAppliesWhenTheBranchMovedOnFromIt() throws Exception {
    String base = upstream.resolve("HEAD");
    String old = upstream.commitFile("README.md", "v2\n", "second");
    Path wc = tmp.resolve("wc");
    GitSource source = GitSource.of(upstream.url(), "main");
    sync.sync(source, wc, RewritePolicy.REFUSE);
    String rewritten = forcePush(base, "v2-rewritten\n");
    String later = upstream.commitFile("README.md", "v3\n", "built on the rewrite");
    assertEquals(
        new GitSync.Result(later, old),
        sync.sync(source, wc, RewritePolicy.refuseExcept(rewritten)));
  }

  @Test
  void fastForwardOverAnUntrackedFileInTheWayIsAWorkingCopyErrorAndKeepsTheFile() throws Exception {
    Path wc = tmp.resolve("wc");
    GitSource source = GitSource.of(upstream.url(), "main");
    sync.sync(source, wc);
    // status calls the clone clean (untracked files are not changes); the checkout cannot proceed
    Files.writeString(wc.resolve("notes.txt"), "mine, not committed\n");
    upstream.commitFile("notes.txt", "theirs\n", "adds notes.txt");

    GitSyncException e = assertThrows(WorkingCopyException.class, () -> sync.sync(source, wc));
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    assertEquals("mine, not committed\n", Files.readString(wc.resolve("notes.txt")));
  }

  @Test
  void rewriteOverAnUntrackedFileInTheWayIsAnErrorAndKeepsTheFile() throws Exception {
    String base = upstream.resolve("HEAD");
    upstream.commitFile("README.md", "v2\n", "second");
    Path wc = tmp.resolve("wc");
    GitSource source = GitSource.of(upstream.url(), "main");
    sync.sync(source, wc);
    Files.writeString(wc.resolve("notes.txt"), "mine, not committed\n");
    upstream.resetHard(base);
    upstream.commitFile("notes.txt", "theirs\n", "force-pushed with notes.txt");

    GitSyncException e = assertThrows(WorkingCopyException.class, () -> sync.sync(source, wc));
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    assertEquals("mine, not committed\n", Files.readString(wc.resolve("notes.txt")));
  }

  @Test
  void rewriteMetWhileTheWorkingCopyWasDirtyIsFollowedOnceItIsClean() throws Exception {
    String base = upstream.resolve("HEAD");
    upstream.commitFile("README.md", "v2\n", "second");
    Path wc = tmp.resolve("wc");
    GitSource source = GitSource.of(upstream.url(), "main");
    sync.sync(source, wc);
    Files.writeString(wc.resolve("README.md"), "edited by hand\n");
    String rewritten = forcePush(base, "v2-rewritten\n");

    GitSyncException dirty = assertThrows(GitSyncException.class, () -> sync.sync(source, wc));
    assertTrue(dirty.getMessage().contains("local changes"), dirty.getMessage());
    assertEquals("edited by hand\n", Files.readString(wc.resolve("README.md")));

    Files.writeString(wc.resolve("README.md"), "v2\n"); // the operator undoes the edit
    assertEquals(rewritten, sync.sync(source, wc));
  }

  @Test
  void smartHttpFollowsAForcePushToABareRepository() throws Exception {
    Path bare = TestRepos.initBare(tmp.resolve("bare.git"));
    String base = upstream.resolve("HEAD");
    String old = upstream.commitFile("README.md", "v2\n", "second");
    upstream.push(bare.toString());
    try (GitHttpServer http = GitHttpServer.start(bare, GitHttpServer.Mode.SMART)) {
      Path wc = tmp.resolve("wc");
      GitSource source = GitSource.of(http.url(), "main");
      assertEquals(old, sync.sync(source, wc));
      String rewritten = forcePush(base, "v2-rewritten\n");
      upstream.push(bare.toString());
      assertThrows(
          HistoryRewrittenException.class, () -> sync.sync(source, wc, RewritePolicy.REFUSE));
      assertEquals(new GitSync.Result(rewritten, old), sync.sync(source, wc, RewritePolicy.FOLLOW));
      assertEquals("v2-rewritten\n", Files.readString(wc.resolve("README.md")));
    }
  }

  @Test
  void dirtyWorkingCopyIsAnErrorAndKeepsTheChange() throws Exception {
    Path wc = tmp.resolve("wc");
    sync.sync(GitSource.of(upstream.url(), "main"), wc);
    Files.writeString(wc.resolve("README.md"), "edited by hand\n");
    upstream.commitFile("README.md", "v2\n", "second");
    GitSyncException e =
        assertThrows(
            WorkingCopyException.class, () -> sync.sync(GitSource.of(upstream.url(), "main"), wc));
    assertTrue(e.getMessage().contains("local changes (README.md)"), e.getMessage());
    assertEquals("edited by hand\n", Files.readString(wc.resolve("README.md")));
  }

  @Test
  void workingCopyOfAnotherRepositoryIsAnError() throws Exception {
    Path wc = tmp.resolve("wc");
    sync.sync(GitSource.of(upstream.url(), "main"), wc);
    try (TestRepos.Repo other = TestRepos.init(tmp.resolve("other"))) {
      other.commitFile("x", "x", "x");
      GitSyncException e =
          assertThrows(
              WorkingCopyException.class, () -> sync.sync(GitSource.of(other.url(), "main"), wc));
      assertTrue(e.getMessage().contains("belongs to"), e.getMessage());
    }
  }

  @Test
  void nonEmptyDirThatIsNoWorkingCopyIsLeftAlone() throws Exception {
    Path wc = Files.createDirectories(tmp.resolve("wc"));
    Files.writeString(wc.resolve("precious.txt"), "keep me");
    GitSyncException e =
        assertThrows(
            WorkingCopyException.class, () -> sync.sync(GitSource.of(upstream.url(), "main"), wc));
    assertTrue(e.getMessage().contains("not a Git working copy"), e.getMessage());
    assertEquals("keep me", Files.readString(wc.resolve("precious.txt")));
  }

  @Test
  void missingBranchIsAnErrorAndLeavesNoHalfClone() throws Exception {
    Path wc = tmp.resolve("wc");
    GitSyncException e =
        assertThrows(
            GitSyncException.class, () -> sync.sync(GitSource.of(upstream.url(), "release"), wc));
    assertTrue(e.getMessage().contains("release"), e.getMessage());
    assertTrue(!Files.exists(wc) || isEmpty(wc), "half clone left in " + wc);
  }

  @Test
  void missingRepositoryIsAnError() {
    GitSyncException e =
        assertThrows(
            GitSyncException.class,
            () ->
                sync.sync(
                    GitSource.of(tmp.resolve("nope").toUri().toString(), "main"),
                    tmp.resolve("wc")));
    assertFalse(e.getMessage().isBlank());
    assertFalse(e instanceof WorkingCopyException, "the remote failed, not the working copy");
  }

  @Test
  void switchesToAnotherBranchWhenAsked() throws Exception {
    Path wc = tmp.resolve("wc");
    sync.sync(GitSource.of(upstream.url(), "main"), wc);
    upstream.checkoutNewBranch("release");
    String release = upstream.commitFile("RELEASE", "1.0\n", "release");
    upstream.checkout("main");
    assertEquals(release, sync.sync(GitSource.of(upstream.url(), "release"), wc));
    assertEquals("1.0\n", Files.readString(wc.resolve("RELEASE")));
  }

  @Test
  void dumbHttpClonesAndFastForwards() throws Exception {
    try (GitHttpServer http = GitHttpServer.start(upstream.gitDir(), GitHttpServer.Mode.DUMB)) {
      Path wc = tmp.resolve("wc");
      assertEquals(upstream.resolve("HEAD"), sync.sync(GitSource.of(http.url(), "main"), wc));
      String second = upstream.commitFile("README.md", "v2\n", "second");
      assertEquals(second, sync.sync(GitSource.of(http.url(), "main"), wc));
      assertEquals("v2\n", Files.readString(wc.resolve("README.md")));
      assertTrue(http.requests() > 0);
      assertTrue(
          http.requestLog().stream().noneMatch(r -> r.getPath().endsWith("/git-upload-pack")),
          "dumb protocol only: " + http.requestLog());
      assertTrue(
          http.requestLog().stream().anyMatch(r -> r.getPath().contains("/objects/")),
          "objects fetched as files: " + http.requestLog());
    }
  }

  @Test
  void bareRepositoryOverDumbHttp() throws Exception {
    Path bare = TestRepos.initBare(tmp.resolve("bare.git"));
    upstream.push(bare.toString());
    try (GitHttpServer http = GitHttpServer.start(bare, GitHttpServer.Mode.DUMB)) {
      Path wc = tmp.resolve("wc");
      assertEquals(upstream.resolve("HEAD"), sync.sync(GitSource.of(http.url(), "main"), wc));
      String second = upstream.commitFile("README.md", "v2\n", "second");
      upstream.push(bare.toString());
      assertEquals(second, sync.sync(GitSource.of(http.url(), "main"), wc));
    }
  }

  @Test
  void smartHttpClonesAndFastForwards() throws Exception {
    try (GitHttpServer http = GitHttpServer.start(upstream.gitDir(), GitHttpServer.Mode.SMART)) {
      Path wc = tmp.resolve("wc");
      assertEquals(upstream.resolve("HEAD"), sync.sync(GitSource.of(http.url(), "main"), wc));
      String second = upstream.commitFile("README.md", "v2\n", "second");
      assertEquals(second, sync.sync(GitSource.of(http.url(), "main"), wc));
      assertEquals("v2\n", Files.readString(wc.resolve("README.md")));
    }
  }

  @Test
  void basicAuthWithTheRightPassword() throws Exception {
    try (GitHttpServer http =
        GitHttpServer.start(upstream.gitDir(), GitHttpServer.Mode.SMART, true)) {
      GitSource source = new GitSource(http.url(), "main", null, USER, PASSWORD);
      assertEquals(upstream.resolve("HEAD"), sync.sync(source, tmp.resolve("wc")));
      upstream.commitFile("README.md", "v2\n", "second");
      assertEquals(upstream.resolve("HEAD"), sync.sync(source, tmp.resolve("wc")));
    }
  }

  @Test
  void basicAuthWithAWrongPasswordFailsWithoutShowingIt() throws Exception {
    try (GitHttpServer http =
        GitHttpServer.start(upstream.gitDir(), GitHttpServer.Mode.DUMB, true)) {
      String wrong = "wr0ng-Pa55word";
      GitSyncException e =
          assertThrows(
              GitSyncException.class,
              () ->
                  sync.sync(
                      new GitSource(http.url(), "main", null, USER, wrong), tmp.resolve("wc")));
      assertTrue(e.getMessage().toLowerCase().contains("auth"), e.getMessage());
      assertFalse(everything(e).contains(wrong), everything(e));

      GitSyncException none =
          assertThrows(
              GitSyncException.class,
              () -> sync.sync(GitSource.of(http.url(), "main"), tmp.resolve("wc2")));
      assertTrue(none.getMessage().toLowerCase().contains("auth"), none.getMessage());
    }
  }

  @Test
  void passwordInTheUrlWorksIsNeverShownAndNotStoredInTheClone() throws Exception {
    try (GitHttpServer http =
        GitHttpServer.start(upstream.gitDir(), GitHttpServer.Mode.SMART, true)) {
      String withPassword = http.url().replace("http://", "http://" + USER + ":" + PASSWORD + "@");
      Path wc = tmp.resolve("wc");
      assertEquals(upstream.resolve("HEAD"), sync.sync(GitSource.of(withPassword, "main"), wc));
      String config = Files.readString(wc.resolve(".git/config"));
      assertFalse(config.contains(PASSWORD), config);
      upstream.commitFile("README.md", "v2\n", "second");
      assertEquals(upstream.resolve("HEAD"), sync.sync(GitSource.of(withPassword, "main"), wc));

      String wrongUrl =
          http.url().replace("http://", "http://" + USER + ":" + "nope-" + PASSWORD + "@");
      GitSyncException e =
          assertThrows(
              GitSyncException.class,
              () -> sync.sync(GitSource.of(wrongUrl, "main"), tmp.resolve("wc2")));
      assertFalse(everything(e).contains(PASSWORD), everything(e));
    }
  }

  @Test
  void unreachableServerIsAnError() throws Exception {
    String url;
    try (GitHttpServer http = GitHttpServer.start(upstream.gitDir(), GitHttpServer.Mode.SMART)) {
      url = http.url();
    }
    GitSyncException e =
        assertThrows(
            GitSyncException.class, () -> sync.sync(GitSource.of(url, "main"), tmp.resolve("wc")));
    assertFalse(e.getMessage().isBlank());
  }

  @Test
  void differentDirsSyncConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<String>> jobs =
          Stream.of("a", "b", "c", "d")
              .map(
                  n ->
                      (Callable<String>)
                          () ->
                              sync.sync(
                                  GitSource.of(upstream.url(), "main"), tmp.resolve("wc-" + n)))
              .toList();
      for (Future<String> f : pool.invokeAll(jobs)) {
        assertEquals(upstream.resolve("HEAD"), f.get());
      }
      // the same dir from several threads queues instead of racing
      List<Callable<String>> same =
          Stream.of(1, 2, 3)
              .map(
                  n ->
                      (Callable<String>)
                          () ->
                              sync.sync(
                                  GitSource.of(upstream.url(), "main"), tmp.resolve("wc-same")))
              .toList();
      for (Future<String> f : pool.invokeAll(same)) {
        assertEquals(upstream.resolve("HEAD"), f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void urlsCompareWithoutCredentialsSlashesOrDotGit() {
    assertTrue(WorkingCopies.sameUrl("https://h/x/repo.git", "https://user:pw@h/x/repo/"));
    assertFalse(WorkingCopies.sameUrl("https://h/x/repo.git", "https://h/y/repo.git"));
    assertEquals("https://user@h/r.git", WorkingCopies.withoutPassword("https://user:pw@h/r.git"));
    assertNull(GitSource.of(null, "main").redactedUrl());
  }

  private static String everything(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  private static boolean isEmpty(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}

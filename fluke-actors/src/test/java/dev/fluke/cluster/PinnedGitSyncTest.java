package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.git.RewritePolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node's own Git client in cluster mode: it checks out the commit in force, and goes to the Git
 * host only when its clone does not hold that commit yet (the singleton alone polls).
 */
class PinnedGitSyncTest {
  private static final GitSource SOURCE = GitSource.of("https://git.example.org/m.git", "main");
  private static final Path DIR = Path.of("clone");
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);
  private static final String C = "c".repeat(40);

  /** A Git host whose branch tip is {@link #tip}; records each call. */
  static final class FakeGit implements GitSync {
    String tip = A;
    boolean failing;
    final List<String> calls = new ArrayList<>();

    @Override
    public Result sync(GitSource source, Path dir, RewritePolicy rewrites) throws GitSyncException {
      calls.add("fetch");
      if (failing) {
        throw new GitSyncException("the Git host is down");
      }
      return Result.of(tip);
    }

    @Override
    public Result pin(GitSource source, Path dir, String commit) {
      calls.add("pin " + commit.charAt(0));
      return Result.of(commit);
    }
  }

  private final FakeGit git = new FakeGit();
  private final PinnedGitSync pinned = new PinnedGitSync(git);

  @Test
  void beforeTheSingletonSpeaksEverySyncFollowsTheBranch() throws Exception {
    assertEquals(A, pinned.sync(SOURCE, DIR, RewritePolicy.REFUSE).commit());
    git.tip = B;
    assertEquals(B, pinned.sync(SOURCE, DIR, RewritePolicy.REFUSE).commit());
    assertEquals(List.of("fetch", "fetch"), git.calls);
  }

  @Test
  void aCloneThatHoldsTheCommitInForceIsNotFetchedAgain() throws Exception {
    pinned.pin(B);
    git.tip = C; // the branch moved on; the cluster keeps B
    assertEquals(B, pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW).commit());
    assertEquals(List.of("fetch", "pin b"), git.calls);

    // the next polls: nothing to do, no call to the Git host
    assertEquals(B, pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW).commit());
    assertEquals(B, pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW).commit());
    assertEquals(List.of("fetch", "pin b"), git.calls);

    // a new commit in force: fetched and checked out
    pinned.pin(C);
    assertEquals(C, pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW).commit());
    assertEquals(List.of("fetch", "pin b", "fetch"), git.calls);
  }

  @Test
  void theBranchTipAlreadySyncedIsNotFetchedAgainWhenItIsPinned() throws Exception {
    assertEquals(A, pinned.sync(SOURCE, DIR, RewritePolicy.REFUSE).commit());
    pinned.pin(A);
    assertEquals(A, pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW).commit());
    assertEquals(List.of("fetch"), git.calls);
  }

  @Test
  void aFailedSyncIsTriedAgainAtTheNextPoll() throws Exception {
    pinned.pin(A);
    pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW);
    pinned.pin(B);
    git.tip = B;
    git.failing = true;
    assertThrows(GitSyncException.class, () -> pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW));
    git.failing = false;
    assertEquals(B, pinned.sync(SOURCE, DIR, RewritePolicy.FOLLOW).commit());
    assertEquals(List.of("fetch", "fetch", "fetch"), git.calls);
  }
}

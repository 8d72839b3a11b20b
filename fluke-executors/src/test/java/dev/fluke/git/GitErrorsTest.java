package dev.fluke.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

class GitErrorsTest {
  private static final GitSource SOURCE =
      new GitSource(
          "https://ann:url-secret@git.example/r.git", "main", null, "bob", "basic-secret");
  private static final UnaryOperator<String> HINT = m -> m + " (hint)";

  private static GitSyncException failing(GitCall<String> call) {
    return assertThrows(GitSyncException.class, () -> GitErrors.translate(SOURCE, HINT, call));
  }

  @Test
  void aCallThatSucceedsAnswersItsValue() throws GitSyncException {
    assertEquals("abc", GitErrors.translate(SOURCE, HINT, () -> "abc"));
  }

  @Test
  void aRefusedRewriteKeepsItsKindAndCommitsWithPasswordsScrubbed() {
    GitSyncException e =
        failing(
            () -> {
              throw new HistoryRewrittenException("rewritten at url-secret", "local1", "remote2");
            });
    HistoryRewrittenException rewritten = assertInstanceOf(HistoryRewrittenException.class, e);
    assertEquals("rewritten at ***", e.getMessage());
    assertEquals("local1", rewritten.localCommit());
    assertEquals("remote2", rewritten.remoteCommit());
  }

  @Test
  void aWorkingCopyProblemStaysOneAndKeepsACleanCause() {
    IOException cause = new IOException("disk full");
    GitSyncException e =
        failing(
            () -> {
              throw new WorkingCopyException("dirty copy for basic-secret", cause);
            });
    assertInstanceOf(WorkingCopyException.class, e);
    assertEquals("dirty copy for ***", e.getMessage());
    assertSame(cause, e.getCause());
  }

  @Test
  void aTransportFailureJoinsItsCauseChainAndGetsTheHint() {
    GitSyncException e =
        failing(
            () -> {
              throw new TransportException("fetch failed", new IOException("connection refused"));
            });
    assertFalse(e instanceof WorkingCopyException);
    assertEquals("fetch failed: connection refused (hint)", e.getMessage());
    assertInstanceOf(TransportException.class, e.getCause());
  }

  @Test
  void aCauseThatHoldsAPasswordIsNotAttached() {
    GitSyncException e =
        failing(
            () -> {
              throw new IOException("https://ann:url-secret@git.example/r.git: not authorized");
            });
    assertEquals("https://ann:***@git.example/r.git: not authorized (hint)", e.getMessage());
    assertNull(e.getCause());
  }

  @Test
  void aRuntimeFailureIsReportedAsUnexpected() {
    GitSyncException e =
        failing(
            () -> {
              throw new IllegalStateException("boom");
            });
    assertEquals("unexpected failure: boom", e.getMessage());
    assertTrue(e.getCause() instanceof IllegalStateException);
  }

  @Test
  void describeSkipsMessagesAlreadySaidAlongTheChain() {
    Exception inner = new IOException("refused");
    Exception outer = new RuntimeException("open failed: refused", inner);
    assertEquals("open failed: refused", GitErrors.describe(outer));
    assertEquals("IOException", GitErrors.describe(new IOException()));
  }
}

package dev.fluke.server;

import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.git.HistoryRewrittenException;
import dev.fluke.git.RewritePolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A {@link GitSync} test double: "commits" are maps of file name → content that a test publishes;
 * {@link #sync} writes the current one into the working copy (replacing what was there) and returns
 * its id. A commit published with {@link #forcePush} rewrote the branch: a sync refuses it as the
 * {@link RewritePolicy} says, or follows it and says from which commit. It can fail like a broken
 * remote (or throw anything at all), and hold a sync in flight until the test releases it.
 */
final class FakeGit implements GitSync {
  private record Commit(String id, Map<String, String> files, boolean rewrite) {}

  private volatile Commit current;
  private volatile Throwable thrown;
  private volatile String checkedOut;
  private volatile Path lastDir;
  private volatile String failure;
  private volatile CountDownLatch gate;
  private final AtomicInteger syncs = new AtomicInteger();
  private final CountDownLatch entered = new CountDownLatch(1);

  void commit(String id, Map<String, String> files) {
    current = new Commit(id, Map.copyOf(files), false);
  }

  /** Publishes {@code id} as the branch's new tip, not built on the commit checked out. */
  void forcePush(String id, Map<String, String> files) {
    current = new Commit(id, Map.copyOf(files), true);
  }

  /** The next syncs throw this (anything: an Error, a RuntimeException) until {@link #heal()}. */
  void throwing(Throwable t) {
    thrown = t;
  }

  /** The directory of the last sync. */
  Path lastDir() {
    return lastDir;
  }

  void failWith(String message) {
    failure = message;
  }

  void heal() {
    failure = null;
    thrown = null;
  }

  /** The next syncs wait until {@link #release()}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  boolean awaitEntered() throws InterruptedException {
    return entered.await(5, TimeUnit.SECONDS);
  }

  int syncs() {
    return syncs.get();
  }

  @Override
  public GitSync.Result sync(GitSource source, Path dir, RewritePolicy rewrites)
      throws GitSyncException {
    syncs.incrementAndGet();
    lastDir = dir;
    entered.countDown();
    CountDownLatch g = gate;
    if (g != null) {
      try {
        if (!g.await(10, TimeUnit.SECONDS)) {
          throw new GitSyncException("test gate was never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GitSyncException("interrupted", e);
      }
    }
    if (failure != null) {
      throw new GitSyncException(failure);
    }
    Throwable t = thrown;
    if (t instanceof RuntimeException r) {
      throw r;
    } else if (t instanceof Error e) {
      throw e;
    }
    Commit c = current;
    if (c == null) {
      throw new GitSyncException("remote branch " + source.branch() + " does not exist");
    }
    String before = checkedOut;
    boolean rewritten = c.rewrite() && before != null && !before.equals(c.id());
    if (rewritten && !rewrites.follow() && !c.id().equals(rewrites.accepted())) {
      throw new HistoryRewrittenException(
          "branch '" + source.branch() + "' was rewritten: refusing to follow", before, c.id());
    }
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> old = Files.walk(dir)) {
          old.sorted(Comparator.reverseOrder())
              .filter(p -> !p.equals(dir))
              .forEach(FakeGit::delete);
        }
      }
      Files.createDirectories(dir);
      for (Map.Entry<String, String> f : c.files().entrySet()) {
        Path p = dir.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.writeString(p, f.getValue());
      }
    } catch (IOException e) {
      throw new GitSyncException("writing the working copy failed", e);
    }
    checkedOut = c.id();
    return new GitSync.Result(c.id(), rewritten ? before : null);
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

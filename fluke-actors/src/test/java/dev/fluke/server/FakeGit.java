package dev.fluke.server;

import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
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
 * its id. It can fail like a broken remote, and hold a sync in flight until the test releases it.
 */
final class FakeGit implements GitSync {
  private record Commit(String id, Map<String, String> files) {}

  private volatile Commit current;
  private volatile String failure;
  private volatile CountDownLatch gate;
  private final AtomicInteger syncs = new AtomicInteger();
  private final CountDownLatch entered = new CountDownLatch(1);

  void commit(String id, Map<String, String> files) {
    current = new Commit(id, Map.copyOf(files));
  }

  void failWith(String message) {
    failure = message;
  }

  void heal() {
    failure = null;
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
  public String sync(GitSource source, Path dir) throws GitSyncException {
    syncs.incrementAndGet();
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
    Commit c = current;
    if (c == null) {
      throw new GitSyncException("remote branch " + source.branch() + " does not exist");
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
    return c.id();
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

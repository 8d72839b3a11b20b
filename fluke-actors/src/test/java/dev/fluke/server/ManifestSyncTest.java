package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.git.GitSource;
import dev.fluke.git.GitSync;
import dev.fluke.git.GitSyncException;
import dev.fluke.git.RewritePolicy;
import dev.fluke.manifest.HclManifestLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stopping server waits for the sync in flight and starts none afterwards. */
class ManifestSyncTest {
  @TempDir Path dir;

  @Test
  void closeWaitsForTheSyncInFlightAndNoSyncStartsAfterwards() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GitSync blockingGit =
        (GitSource source, Path checkout, RewritePolicy rewrites) -> {
          entered.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new GitSyncException("unreachable (scripted)");
        };
    ManifestSync sync =
        new ManifestSync(
            new ServerSettings.Git(
                GitSource.of("https://example.org/m.git", "main"),
                Duration.ofMinutes(1),
                "**.tasks",
                true),
            new ManifestStore(dir),
            blockingGit,
            HclManifestLoader.builtin(),
            Clock.systemUTC());
    ManifestSync.Request request = new ManifestSync.Request(null, RewritePolicy.FOLLOW);

    CompletableFuture<ManifestSync.Outcome> inFlight =
        CompletableFuture.supplyAsync(() -> sync.run(request));
    assertTrue(entered.await(10, TimeUnit.SECONDS), "the sync started");
    assertFalse(sync.close(Duration.ofMillis(200)), "a sync is still in flight");
    release.countDown();
    assertTrue(sync.close(Duration.ofSeconds(10)), "nothing runs once the sync has ended");
    assertInstanceOf(ManifestSync.Outcome.FetchFailed.class, inFlight.get(10, TimeUnit.SECONDS));

    ManifestSync.Outcome after = sync.run(request);
    assertEquals("the server is stopping", ((ManifestSync.Outcome.FetchFailed) after).message());
    assertEquals("the server is stopping", sync.restore().problem());
  }
}

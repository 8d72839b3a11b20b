package dev.fluke.http.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  @Test
  void aClusterNodeIsReadyOnlyAsAnUpMember() {
    AtomicReference<Optional<String>> notServing =
        new AtomicReference<>(Optional.of("this node is a cluster member with status joining"));
    Readiness r =
        new Readiness(
            () -> CompletableFuture.completedFuture(Optional.of("abc")),
            () -> CompletableFuture.completedFuture(true),
            notServing::get,
            Duration.ofSeconds(1));
    Readiness.Report joining = r.check().toCompletableFuture().join();
    assertFalse(joining.ready());
    assertEquals("cluster_member", joining.checks().get(2).name());
    assertTrue(joining.checks().get(2).detail().contains("joining"));

    notServing.set(Optional.empty());
    assertTrue(r.check().toCompletableFuture().join().ready());
  }

  @Test
  void aSingleServerHasNoClusterCheck() {
    Readiness r =
        new Readiness(
            () -> CompletableFuture.completedFuture(Optional.of("abc")),
            () -> CompletableFuture.completedFuture(true),
            Duration.ofSeconds(1));
    Readiness.Report report = r.check().toCompletableFuture().join();
    assertTrue(report.ready());
    assertEquals(2, report.checks().size());
  }
}

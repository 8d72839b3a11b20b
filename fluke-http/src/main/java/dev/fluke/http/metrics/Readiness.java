package dev.fluke.http.metrics;

import dev.fluke.api.FleetApi;
import dev.fluke.events.EventStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Whether the server is ready to serve its purpose ({@code /readyz}): a manifest snapshot from Git
 * is in force, and the event store answers. Each probe is asked anew on every call and given {@code
 * timeout}; a probe that fails, throws or does not answer in time makes the server not ready, with
 * the reason in the report.
 */
public final class Readiness {
  /** One probe's answer. */
  public record Check(String name, boolean ok, String detail) {}

  /** Every probe's answer; {@code ready} when all are ok. */
  public record Report(boolean ready, List<Check> checks) {}

  static final String NO_SNAPSHOT =
      "no manifest snapshot is loaded yet: the first fetch of the manifest repository has not produced a"
          + " valid snapshot (GET /api/v1/manifest shows the fetch error or the manifest errors)";

  private final Supplier<CompletionStage<Optional<String>>> snapshotCommit;
  private final Supplier<CompletionStage<Boolean>> eventStoreHealthy;
  private final Duration timeout;

  /**
   * @param snapshotCommit the commit whose manifests are in force, empty before the first good load
   * @param eventStoreHealthy true when the event store can be reached ({@link
   *     EventStore#healthy()})
   * @param timeout how long each probe may take before it counts as failed
   */
  public Readiness(
      Supplier<CompletionStage<Optional<String>>> snapshotCommit,
      Supplier<CompletionStage<Boolean>> eventStoreHealthy,
      Duration timeout) {
    this(snapshotCommit, eventStoreHealthy, null, timeout);
  }

  /**
   * Cluster mode: also {@code cluster_member}, ok when {@code notServing} is empty (this node is an
   * Up member), else not ready with its reason.
   */
  public Readiness(
      Supplier<CompletionStage<Optional<String>>> snapshotCommit,
      Supplier<CompletionStage<Boolean>> eventStoreHealthy,
      Supplier<Optional<String>> notServing,
      Duration timeout) {
    this.snapshotCommit = snapshotCommit;
    this.eventStoreHealthy = eventStoreHealthy;
    this.notServing = notServing;
    this.timeout = timeout;
  }

  private final Supplier<Optional<String>> notServing;

  /**
   * The usual wiring: the commit in force from {@link FleetApi#manifest()}, the store's own health.
   */
  public static Readiness of(FleetApi api, EventStore store, Duration timeout) {
    return new Readiness(
        () -> api.manifest().thenApply(m -> Optional.ofNullable(m.commit())),
        store::healthy,
        timeout);
  }

  public CompletionStage<Report> check() {
    CompletableFuture<Check> git =
        guarded(snapshotCommit)
            .thenApply(
                commit ->
                    commit
                        .map(c -> new Check("git_snapshot", true, "commit " + c + " is in force"))
                        .orElseGet(() -> new Check("git_snapshot", false, NO_SNAPSHOT)))
            .exceptionally(t -> failed("git_snapshot", "the manifest state", t));
    CompletableFuture<Check> store =
        guarded(eventStoreHealthy)
            .thenApply(
                ok ->
                    Boolean.TRUE.equals(ok)
                        ? new Check("event_store", true, "reachable")
                        : new Check("event_store", false, "the event store is not reachable"))
            .exceptionally(t -> failed("event_store", "the event store", t));
    return git.thenCombine(
        store,
        (g, s) -> {
          List<Check> checks = new ArrayList<>(List.of(g, s));
          if (notServing != null) {
            Optional<String> why = notServing.get();
            checks.add(
                why.map(w -> new Check("cluster_member", false, w))
                    .orElseGet(() -> new Check("cluster_member", true, "an Up member")));
          }
          return new Report(checks.stream().allMatch(Check::ok), List.copyOf(checks));
        });
  }

  /**
   * Calls the probe, turning a synchronous throw into a failed stage and bounding it by the
   * timeout.
   */
  private <T> CompletableFuture<T> guarded(Supplier<CompletionStage<T>> probe) {
    try {
      // copy(): never complete (time out) a future that belongs to someone else.
      return probe
          .get()
          .toCompletableFuture()
          .copy()
          .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Check failed(String name, String what, Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof TimeoutException) {
      return new Check(name, false, what + " did not answer within " + timeout.toMillis() + " ms");
    }
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new Check(name, false, what + " could not be read: " + message);
  }
}

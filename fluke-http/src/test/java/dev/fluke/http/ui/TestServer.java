package dev.fluke.http.ui;

import dev.fluke.http.HttpApi;
import dev.fluke.http.metrics.Readiness;
import dev.fluke.http.webhook.WebhookSettings;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The whole HTTP face ({@link WebRoutes}) over a scripted fleet and feed, on a free loopback port.
 */
public final class TestServer implements AutoCloseable {
  public static final String WEBHOOK_SECRET = "It's a Secret to Everybody";

  public final ScriptedFleet fleet = new ScriptedFleet();
  public final TestLiveFeed feed = new TestLiveFeed();
  public final FlukeMetrics metrics = new FlukeMetrics();
  public final AtomicInteger fetches = new AtomicInteger();
  private final ServerBinding binding;

  public TestServer(ActorSystem<?> system, Set<String> apiTokens) throws Exception {
    this(system, apiTokens, WEBHOOK_SECRET, null, Duration.ofSeconds(15));
  }

  /**
   * @param webhookSecret null turns the webhook off
   * @param readiness null: ready when the fleet's manifest has a commit, with an always-healthy
   *     store
   */
  public TestServer(
      ActorSystem<?> system,
      Set<String> apiTokens,
      String webhookSecret,
      Readiness readiness,
      Duration heartbeat)
      throws Exception {
    Readiness ready =
        readiness != null
            ? readiness
            : new Readiness(
                () -> fleet.manifest().thenApply(m -> Optional.ofNullable(m.commit())),
                () -> CompletableFuture.completedFuture(true),
                Duration.ofSeconds(2));
    WebhookSettings webhook = new WebhookSettings(webhookSecret, "main", fetches::incrementAndGet);
    binding =
        HttpApi.bind(
                system,
                "127.0.0.1",
                0,
                WebRoutes.create(fleet, apiTokens, feed, metrics, webhook, ready, heartbeat))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  public String base() {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

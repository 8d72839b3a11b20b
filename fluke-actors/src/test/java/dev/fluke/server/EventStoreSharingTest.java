package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.events.MemoryEventStore;
import dev.fluke.events.RedisEventStore;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Whether a store is shared by every server node decides how a cluster answers {@code GET
 * /api/v1/events} (docs/cluster.md): Redis is, memory is not, and the engine's wrapper says what
 * the configured store says.
 */
class EventStoreSharingTest {
  private final LiveHub hub =
      new LiveHub(new ServerSettings.Live(100, 10, 100), new FlukeMetrics());

  @Test
  void aMemoryStoreIsThisNodesOwn() {
    MemoryEventStore memory = new MemoryEventStore(10, 10, 10);
    assertFalse(memory.shared());
    assertFalse(new LiveEventStore(memory, hub, new FlukeMetrics()).shared());
  }

  @Test
  void aRedisStoreIsSharedByEveryNodeUsingIt() {
    // connecting is lazy: no Redis is needed to ask
    try (RedisEventStore redis =
        RedisEventStore.connect("redis://127.0.0.1:1", "fluke", Duration.ofHours(1), 10)) {
      assertTrue(redis.shared());
      assertTrue(new LiveEventStore(redis, hub, new FlukeMetrics()).shared());
    }
  }
}

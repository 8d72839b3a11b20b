package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShardBatchesTest {

  @Test
  void whatArrivesWhileAShardIsInFlightGoesTogetherInItsNextBatch() {
    ShardBatches<String> b = new ShardBatches<>();
    assertEquals(List.of("a"), b.add(3, "a"), "nothing in flight: starts at once");
    assertNull(b.add(3, "b"));
    assertNull(b.add(3, "c"));
    assertEquals(List.of("b", "c"), b.done(3), "one batch for both");
    assertNull(b.add(3, "d"));
    assertEquals(List.of("d"), b.done(3));
    assertNull(b.done(3), "nothing waits: the shard is idle");
    assertEquals(List.of("e"), b.add(3, "e"), "and starts the next one at once");
  }

  @Test
  void shardsDoNotWaitForEachOther() {
    ShardBatches<String> b = new ShardBatches<>();
    assertEquals(List.of("a"), b.add(1, "a"));
    assertEquals(List.of("x"), b.add(2, "x"));
    assertNull(b.add(1, "b"));
    assertNull(b.done(2));
    assertEquals(List.of("b"), b.done(1));
  }
}

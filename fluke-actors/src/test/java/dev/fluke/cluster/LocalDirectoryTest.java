package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalDirectoryTest {
  private static final String A = "pekko://fluke-server@10.0.0.1:7072";
  private static final String B = "pekko://fluke-server@10.0.0.2:7072";

  private static AgentLocation on(String node, long epoch) {
    return new AgentLocation(node, epoch, true);
  }

  private static int shard(String name) {
    return LocalDirectory.shardOf(name);
  }

  @Test
  void anAgentHeldHereThatAnotherNodeAdmittedWithAnEpochAtLeastOursIsFencedOnce() {
    LocalDirectory local = new LocalDirectory(A);
    local.admitted("web-01", 3);

    List<LocalDirectory.Fenced> fenced = local.changed(shard("web-01"), Map.of("web-01", on(B, 4)));

    assertEquals(List.of(new LocalDirectory.Fenced("web-01", 3, on(B, 4))), fenced);
    assertEquals(new AgentRegistry.Fence("web-01", 4, B), fenced.get(0).fence());
    assertEquals(Optional.empty(), local.heldEpoch("web-01"));
    // No longer held: the same change again fences nothing.
    assertEquals(List.of(), local.changed(shard("web-01"), Map.of("web-01", on(B, 4))));
  }

  @Test
  void anEqualEpochOnAnotherNodeFencesToo() {
    LocalDirectory local = new LocalDirectory(A);
    local.admitted("web-01", 3);
    assertEquals(1, local.changed(shard("web-01"), Map.of("web-01", on(B, 3))).size());
  }

  @Test
  void ourOwnEntryAnOlderEpochElsewhereOrAnotherShardFenceNothing() {
    LocalDirectory local = new LocalDirectory(A);
    local.admitted("web-01", 3);
    int s = shard("web-01");

    assertEquals(List.of(), local.changed(s, Map.of("web-01", on(A, 3))));
    assertEquals(List.of(), local.changed(s, Map.of("web-01", on(B, 2))));
    assertEquals(List.of(), local.changed(s, Map.of()));
    int other = (s + 1) % AgentLocations.SHARDS;
    assertEquals(List.of(), local.changed(other, Map.of("web-01", on(B, 9))));
    assertEquals(Optional.of(3L), local.heldEpoch("web-01"));
  }

  @Test
  void onlyTheSessionStillHeldIsReleased() {
    LocalDirectory local = new LocalDirectory(A);
    local.admitted("web-01", 3);
    local.admitted("web-01", 5); // a newer session here replaced the older one

    assertFalse(local.released("web-01", 3));
    assertEquals(Optional.of(5L), local.heldEpoch("web-01"));
    assertTrue(local.released("web-01", 5));
    assertFalse(local.released("web-01", 5));
    assertFalse(local.released("db-01", 1));
  }

  @Test
  void aFencedSessionIsNotReleasedAfterwards() {
    LocalDirectory local = new LocalDirectory(A);
    local.admitted("web-01", 3);
    local.changed(shard("web-01"), Map.of("web-01", on(B, 4)));
    assertFalse(local.released("web-01", 3));
  }

  @Test
  void theViewIsTheLatestReplicaOfEveryShard() {
    LocalDirectory local = new LocalDirectory(A);
    String web = "web-01";
    String db = "db-01";
    String other = db;
    for (int i = 0; shard(other) == shard(web); i++) {
      other = "db-" + i; // a name in another shard than web-01
    }
    local.changed(shard(web), Map.of(web, on(A, 1)));
    local.changed(shard(other), Map.of(other, on(B, 2)));
    assertEquals(Map.of(web, on(A, 1), other, on(B, 2)), local.all());
    assertEquals(on(B, 2), local.locate(other));

    local.changed(shard(web), Map.of(web, on(B, 7)));
    assertEquals(on(B, 7), local.locate(web));
    local.changed(shard(web), Map.of());
    assertNull(local.locate(web));
    assertEquals(Map.of(other, on(B, 2)), local.all());
    assertNull(new LocalDirectory(A).locate(web));
  }
}

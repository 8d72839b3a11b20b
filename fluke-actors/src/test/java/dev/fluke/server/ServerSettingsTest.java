package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.git.GitSource;
import dev.fluke.manifest.DriftPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerSettingsTest {

  @Test
  void referenceConfigurationGivesEveryValue() {
    ServerSettings s = ServerSettings.create(ConfigFactory.load());
    assertFalse(s.git().configured());
    assertEquals("main", s.git().source().branch());
    assertEquals(Duration.ofSeconds(60), s.git().pollInterval());
    assertEquals("**/*.fluke.hcl", s.git().manifestGlob());
    assertEquals(Duration.ofSeconds(60), s.reconcile().interval());
    assertEquals(DriftPolicy.REMEDIATE, s.reconcile().defaultPolicy());
    assertEquals(Duration.ofSeconds(15), s.reconcile().retryBackoffMin());
    assertEquals(Duration.ofSeconds(60), s.reconcile().retryCap());
    assertNull(s.alerts().webhook());
    assertEquals(100, s.events().maxPerAgent());
    assertEquals(3, s.agents().heartbeatAllowedMisses());
    assertEquals(1024, s.live().subscriberBuffer());
    assertEquals(200, s.live().recentOutputLines());
    assertEquals(256, s.live().recentOutputAgents());
  }

  @Test
  void theAppOverridesWhatServerHclSets() {
    ServerSettings s =
        ServerSettings.create(ConfigFactory.load())
            .withVersion("1.0.0")
            .withDataDir(Path.of("/srv/fluke"))
            .withGit(
                new GitSource("ssh://git@example.org/m.git", "prod", Path.of("/k"), null, null),
                Duration.ofSeconds(30),
                "**/*.hcl")
            .withDrift(DriftPolicy.ALERT_ONLY, URI.create("https://hooks.example.org/x"))
            .withReconcileInterval(Duration.ofMinutes(5))
            .withMaxEventsPerAgent(500);
    assertEquals("1.0.0", s.version());
    assertTrue(s.git().configured());
    assertEquals("prod", s.git().source().branch());
    assertEquals(DriftPolicy.ALERT_ONLY, s.reconcile().defaultPolicy());
    assertEquals(Duration.ofMinutes(5), s.reconcile().interval());
    assertEquals("hooks.example.org", s.alerts().webhook().getHost());
    assertEquals(500, s.events().maxPerAgent());
  }

  @Test
  void badValuesAreRejectedWithTheirName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ServerSettings.create(
                    ConfigFactory.parseString(
                            "fluke.server.reconcile.default-drift-policy = fix_it")
                        .withFallback(ConfigFactory.load())));
    assertTrue(e.getMessage().contains("unknown policy 'fix_it'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServerSettings.create(ConfigFactory.load()).withReconcileInterval(Duration.ZERO));
    assertTrue(e.getMessage().contains("reconcile interval"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ServerSettings.create(
                    ConfigFactory.parseString("fluke.server.live.subscriber-buffer = 0")
                        .withFallback(ConfigFactory.load())));
    assertTrue(e.getMessage().contains("live subscriber-buffer"), e.getMessage());
  }

  @Test
  void aCommitRollsOutAfterTheImmediateAgentsAtTheGivenRate() {
    ServerSettings.Rollout defaults = ServerSettings.create(ConfigFactory.load()).rollout();
    assertEquals(100, defaults.immediate());
    assertEquals(Duration.ZERO, defaults.delayOf(99));
    assertEquals(Duration.ofMillis(10), defaults.delayOf(100));
    assertEquals(
        Duration.ofMillis(99_000),
        defaults.delayOf(9_999),
        "10,000 agents: the last starts after 99 s");

    ServerSettings.Rollout r = new ServerSettings.Rollout(2, 4.0);
    assertEquals(Duration.ZERO, r.delayOf(1));
    assertEquals(Duration.ofMillis(250), r.delayOf(2));
    assertEquals(Duration.ofSeconds(1), r.delayOf(5));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ServerSettings.create(
                    ConfigFactory.parseString("fluke.server.rollout.per-second = 0")
                        .withFallback(ConfigFactory.load())));
    assertTrue(e.getMessage().contains("rollout.per-second"), e.getMessage());
  }
}

package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  @Test
  void defaultsComeFromReferenceConfAndAnEmptyNameMeansTheHostName() {
    AgentSettings s = AgentSettings.create(ConfigFactory.load());

    assertEquals(AgentSettings.hostName(), s.name());
    assertFalse(s.name().isBlank());
    assertEquals(
        new AgentSettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2),
        s.reconnect());
    assertEquals(Duration.ofSeconds(30), s.reconnectResetAfter());
    assertEquals(3, s.silentServerIntervals(), "a server silent for 3 heartbeat intervals is left");
    assertEquals(
        new AgentSettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2), s.restart());
    assertEquals(Duration.ofMinutes(2), s.stopGrace());
    assertEquals(Duration.ofSeconds(5), s.stopReportTimeout());
    assertEquals(Duration.ofSeconds(2), s.killGrace());
    assertEquals(Optional.empty(), s.journalFile(), "in memory unless the binary sets a file");
    assertEquals("/bin/sh", s.exec().defaultShell());
    assertEquals(Duration.ofMinutes(5), s.exec().commandTimeout());
    assertEquals(System.getenv(), s.exec().env());
  }

  @Test
  void configuredNameAndLabelsAreRead() {
    AgentSettings s =
        AgentSettings.create(
            ConfigFactory.parseString(
                    "fluke.agent { name = web-01, labels { role = web, env = prod } }")
                .withFallback(ConfigFactory.load()));

    assertEquals("web-01", s.name());
    assertEquals(Map.of("role", "web", "env", "prod"), s.labels());
  }

  @Test
  void agentHclValuesOverrideTheDefaults() {
    AgentSettings s =
        AgentSettings.create(ConfigFactory.load())
            .withName("db-02")
            .withLabels(Map.of("role", "db"))
            .withExecution("/bin/bash", Duration.ofMinutes(10))
            .withStopGrace(Duration.ofSeconds(90))
            .withJournalFile(Path.of("/var/lib/fluke-agent/agent-journal.json"));

    assertEquals("db-02", s.name());
    assertEquals(Duration.ofSeconds(90), s.stopGrace());
    assertEquals(Optional.of(Path.of("/var/lib/fluke-agent/agent-journal.json")), s.journalFile());
    assertEquals(Map.of("role", "db"), s.labels());
    assertEquals("/bin/bash", s.exec().defaultShell());
    assertEquals(Duration.ofMinutes(10), s.exec().commandTimeout());
  }

  @Test
  void nonsenseIsRefused() {
    AgentSettings s = AgentSettings.create(ConfigFactory.load());

    assertThrows(
        IllegalArgumentException.class,
        () -> s.withReconnect(Duration.ofSeconds(10), Duration.ofSeconds(1), 0.2));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AgentSettings.create(
                ConfigFactory.parseString("fluke.agent.max-queued-requests = 0")
                    .withFallback(ConfigFactory.load())));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AgentSettings.create(
                ConfigFactory.parseString("fluke.agent.silent-server-intervals = -1")
                    .withFallback(ConfigFactory.load())));
  }

  @Test
  void backoffDoublesFromMinUpToMaxAndAddsUpToTheRandomFactor() {
    AgentSettings.Backoff b =
        new AgentSettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);

    assertEquals(Duration.ofSeconds(1), b.delay(1, 0));
    assertEquals(Duration.ofSeconds(2), b.delay(2, 0));
    assertEquals(Duration.ofSeconds(16), b.delay(5, 0));
    assertEquals(Duration.ofSeconds(30), b.delay(6, 0));
    assertEquals(Duration.ofSeconds(30), b.delay(1000, 0));
    assertEquals(Duration.ofMillis(2400), b.delay(2, 1.0));
  }

  @Test
  void theAgentsThreadsAreReadFromTheirOwnSectionAndAtLeastOneOfEach() {
    assertEquals(new AgentSettings.Threads(2, 2), AgentSettings.Threads.read(ConfigFactory.load()));
    assertEquals(
        new AgentSettings.Threads(1, 4),
        AgentSettings.Threads.read(
            ConfigFactory.parseString("fluke.agent.threads { actors = 1, blocking = 4 }")
                .withFallback(ConfigFactory.load())));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                AgentSettings.Threads.read(
                    ConfigFactory.parseString("fluke.agent.threads.blocking = 0")
                        .withFallback(ConfigFactory.load())));
    assertTrue(e.getMessage().contains("threads.blocking"), e.getMessage());
  }
}

package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  @Test
  void defaultsComeFromReferenceConfAndAnEmptyNameMeansTheHostName() {
    AgentSettings s = AgentSettings.create(ConfigFactory.load());

    assertEquals(AgentSettings.hostName(), s.name());
    assertFalse(s.name().isBlank());
    assertEquals(Duration.ofSeconds(1), s.reconnectMinBackoff());
    assertEquals(Duration.ofSeconds(30), s.reconnectMaxBackoff());
    assertEquals(0.2, s.reconnectRandomFactor());
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
            .withExecution("/bin/bash", Duration.ofMinutes(10));

    assertEquals("db-02", s.name());
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
  }

  @Test
  void durationsAreShownAsOperatorsWriteThem() {
    assertEquals("200ms", AgentSettings.human(Duration.ofMillis(200)));
    assertEquals("30s", AgentSettings.human(Duration.ofSeconds(30)));
    assertEquals("5m", AgentSettings.human(Duration.ofMinutes(5)));
    assertEquals("1h", AgentSettings.human(Duration.ofHours(1)));
  }
}

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
  void theAgentsActorSystemIsSizedForAnAgentAndGivesTheDrainItsTime() {
    AgentSettings s =
        AgentSettings.create(ConfigFactory.load()).withStopGrace(Duration.ofMinutes(3));
    com.typesafe.config.Config system = AgentRuntime.systemConfig(ConfigFactory.load(), s);

    assertEquals(
        2, system.getInt("pekko.actor.default-dispatcher.fork-join-executor.parallelism-max"));
    assertEquals(
        Duration.ofMinutes(3).plusSeconds(5 + 20),
        system.getDuration("pekko.coordinated-shutdown.phases.service-requests-done.timeout"));
    assertEquals(
        "pekko.actor.default-dispatcher", system.getString("pekko.actor.internal-dispatcher"));
  }

  @Test
  void theAgentsActorSystemCreatesOnlyPekkosOwnSerializersAndStillSerializesLocally() {
    AgentSettings s = AgentSettings.create(ConfigFactory.load());
    com.typesafe.config.Config full = ConfigFactory.load();
    com.typesafe.config.Config agent = AgentRuntime.systemConfig(full, s);
    // The jar's other modules configure theirs (Jackson, remoting, cluster): the agent drops them.
    assertTrue(full.hasPath("pekko.actor.serializers.jackson-cbor"));
    assertEquals(
        UnusedSerializer.class.getName(), agent.getString("pekko.actor.serializers.jackson-cbor"));
    java.util.Map<String, Object> bindings =
        agent.getObject("pekko.actor.serialization-bindings").unwrapped();
    assertTrue(bindings.containsValue("none"));
    bindings.forEach(
        (type, alias) ->
            assertTrue(
                "none".equals(alias)
                    || agent
                        .getString("pekko.actor.serializers." + alias)
                        .matches("org\\.apache\\.pekko\\.serialization\\.[A-Za-z]+"),
                type + " = " + alias));
    assertEquals(
        "org.apache.pekko.serialization.JavaSerializer",
        agent.getString("pekko.actor.serializers.java"));

    org.apache.pekko.actor.typed.ActorSystem<Void> system =
        org.apache.pekko.actor.typed.ActorSystem.create(
            org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "agent-serializers", agent);
    try {
      org.apache.pekko.serialization.Serialization serialization =
          org.apache.pekko.serialization.SerializationExtension.get(system);
      byte[] bytes = serialization.serialize("hello").get();
      assertEquals("hello", serialization.deserialize(bytes, String.class).get());
    } finally {
      system.terminate();
    }
  }

  @Test
  void theAgentsActorSystemStartsNeitherAStreamMaterializerNorAReceptionist() throws Exception {
    com.typesafe.config.Config full = ConfigFactory.load();
    com.typesafe.config.Config agent = AgentRuntime.systemConfig(full, AgentSettings.create(full));
    assertTrue(
        full.getStringList("pekko.library-extensions")
            .contains("org.apache.pekko.stream.SystemMaterializer$"));
    assertTrue(
        agent
            .getStringList("pekko.library-extensions")
            .contains("org.apache.pekko.serialization.SerializationExtension$"));

    org.apache.pekko.actor.typed.ActorSystem<Void> system =
        org.apache.pekko.actor.typed.ActorSystem.create(
            org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "agent-extensions", agent);
    try {
      assertFalse(
          system.classicSystem().hasExtension(org.apache.pekko.stream.SystemMaterializer$.MODULE$));
      assertFalse(
          system.hasExtension(org.apache.pekko.actor.typed.receptionist.Receptionist$.MODULE$));
      // should anything ask for them, they start then
      assertEquals(
          1,
          org.apache.pekko.stream.javadsl.Source.single(1)
              .runWith(org.apache.pekko.stream.javadsl.Sink.head(), system)
              .toCompletableFuture()
              .get(10, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(
          system.classicSystem().hasExtension(org.apache.pekko.stream.SystemMaterializer$.MODULE$));
    } finally {
      system.terminate();
    }
  }
}

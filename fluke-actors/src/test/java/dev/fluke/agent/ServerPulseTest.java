package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.fluke.protocol.ServerMessage.Registered;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerPulseTest {

  private static AgentSettings settings(String config) {
    return AgentSettings.create(
            ConfigFactory.parseString(config).withFallback(ConfigFactory.load()))
        .withName("web-01");
  }

  @Test
  void theServerMayStaySilentForTheConfiguredNumberOfItsHeartbeatIntervals() {
    ServerPulse p =
        ServerPulse.of(
            new Registered("1", 5_000), settings("fluke.agent.silent-server-intervals=4"));

    assertEquals(Duration.ofSeconds(5), p.interval());
    assertEquals(Optional.of(Duration.ofSeconds(20)), p.silence());
    assertEquals("the server sent nothing for 20s (4 heartbeat intervals)", p.silentReason());
  }

  @Test
  void withoutAnIntervalFromTheServerTheAgentsOwnIsUsed() {
    ServerPulse p =
        ServerPulse.of(
            new Registered("1", 0),
            settings("fluke.agent { heartbeat-interval = 7s, silent-server-intervals = 3 }"));

    assertEquals(Duration.ofSeconds(7), p.interval());
    assertEquals(Optional.of(Duration.ofSeconds(21)), p.silence());
  }

  @Test
  void zeroIntervalsTurnsTheSilenceCheckOff() {
    ServerPulse p =
        ServerPulse.of(
            new Registered("1", 10_000), settings("fluke.agent.silent-server-intervals=0"));

    assertEquals(Optional.empty(), p.silence());
  }

  @Test
  void byDefaultThreeSilentIntervalsDropTheConnection() {
    assertEquals(
        Optional.of(Duration.ofSeconds(30)),
        ServerPulse.of(new Registered("1", 10_000), settings("")).silence());
  }
}

package dev.fluke.agent;

import dev.fluke.hcl.Durations;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.Optional;

/**
 * How often a registered connection heartbeats, and how long the server may stay silent on it
 * (docs/protocol.md, "Failover"). The interval is the one {@code Registered} names, else {@code
 * fluke.agent.heartbeat-interval}. The server answers every heartbeat, so a server that sent
 * nothing at all for {@code silent-server-intervals} intervals is frozen, partitioned away or
 * behind a half-open TCP connection: the agent drops the connection and dials the next server
 * rather than wait for TCP or HTTP/2 keepalive to notice.
 *
 * @param interval between two heartbeats
 * @param silence how long the server may send nothing before the connection is dropped; empty when
 *     {@code silent-server-intervals} is 0 (never)
 */
record ServerPulse(Duration interval, Optional<Duration> silence) {

  static ServerPulse of(ServerMessage.Registered registered, AgentSettings settings) {
    Duration interval =
        registered.heartbeatIntervalMillis() > 0
            ? Duration.ofMillis(registered.heartbeatIntervalMillis())
            : settings.heartbeatInterval();
    int n = settings.silentServerIntervals();
    return new ServerPulse(
        interval, n > 0 ? Optional.of(interval.multipliedBy(n)) : Optional.empty());
  }

  /** Why a silent server's connection is dropped, for the log and the stream's failure. */
  String silentReason() {
    return "the server sent nothing for "
        + silence.map(Durations::format).orElse("ever")
        + " ("
        + silence.map(s -> s.dividedBy(interval)).orElse(0L)
        + " heartbeat intervals)";
  }
}

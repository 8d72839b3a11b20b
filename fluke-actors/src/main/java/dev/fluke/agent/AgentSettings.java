package dev.fluke.agent;

import com.typesafe.config.Config;
import dev.fluke.exec.ExecSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The agent runtime's settings, read from {@code fluke.agent} (fluke-agent.conf, every key
 * documented there). The fluke binary starts from {@link #create(Config)} and applies what
 * agent.hcl says with the {@code with…} methods ({@link #withName}, {@link #withLabels}, {@link
 * #withExecution}, …).
 *
 * @param name the name the agent registers with (never blank: an empty configured name means the
 *     host name)
 * @param labels matched by task selectors
 * @param version reported at registration
 * @param reconnectMinBackoff first delay before reconnecting
 * @param reconnectMaxBackoff longest delay between reconnection attempts
 * @param reconnectRandomFactor jitter: each delay is randomised by up to this fraction
 * @param heartbeatInterval used when {@code Registered} names no interval
 * @param registerTimeout how long to wait for {@code Registered}/{@code Rejected} before
 *     reconnecting
 * @param maxBufferedLateResults apply results kept until the server acknowledges them, to be
 *     re-sent late after a reconnect (oldest dropped beyond this)
 * @param maxQueuedRequests requests waiting behind the running one (more are answered with ERROR)
 * @param outputBufferLines apply output lines waiting for a slow connection (more are dropped, with
 *     a marker)
 * @param maxOutputLineLength longer output lines are cut
 * @param exec what executors run with
 */
public record AgentSettings(
    String name,
    Map<String, String> labels,
    String version,
    Duration reconnectMinBackoff,
    Duration reconnectMaxBackoff,
    double reconnectRandomFactor,
    Duration heartbeatInterval,
    Duration registerTimeout,
    int maxBufferedLateResults,
    int maxQueuedRequests,
    int outputBufferLines,
    int maxOutputLineLength,
    ExecSettings exec) {

  public AgentSettings {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("agent name must not be blank");
    }
    labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    requirePositive("reconnect min-backoff", reconnectMinBackoff);
    requirePositive("reconnect max-backoff", reconnectMaxBackoff);
    if (reconnectMaxBackoff.compareTo(reconnectMinBackoff) < 0) {
      throw new IllegalArgumentException("reconnect max-backoff must not be below min-backoff");
    }
    if (reconnectRandomFactor < 0) {
      throw new IllegalArgumentException("reconnect random-factor must not be negative");
    }
    requirePositive("heartbeat-interval", heartbeatInterval);
    requirePositive("register-timeout", registerTimeout);
    requireAtLeastOne("max-buffered-late-results", maxBufferedLateResults);
    requireAtLeastOne("max-queued-requests", maxQueuedRequests);
    requireAtLeastOne("output.buffer-lines", outputBufferLines);
    requireAtLeastOne("output.max-line-length", maxOutputLineLength);
  }

  public static AgentSettings create(ActorSystem<?> system) {
    return create(system.settings().config());
  }

  /**
   * Reads {@code fluke.agent}; the agent's own environment becomes the executors' base environment.
   */
  public static AgentSettings create(Config config) {
    Config c = config.getConfig("fluke.agent");
    Config e = c.getConfig("execution");
    Map<String, String> labels = new TreeMap<>();
    c.getConfig("labels").root().unwrapped().forEach((k, v) -> labels.put(k, String.valueOf(v)));
    ExecSettings exec =
        new ExecSettings(
            e.getString("default-shell"),
            e.getDuration("command-timeout"),
            e.getBytes("output-tail-bytes").intValue(),
            System.getenv(),
            e.getString("systemctl"),
            e.getString("mise"),
            e.getString("sudo"),
            Path.of(e.getString("state-dir")));
    String name = c.getString("name");
    return new AgentSettings(
        name.isBlank() ? hostName() : name,
        labels,
        c.getString("version"),
        c.getDuration("reconnect.min-backoff"),
        c.getDuration("reconnect.max-backoff"),
        c.getDouble("reconnect.random-factor"),
        c.getDuration("heartbeat-interval"),
        c.getDuration("register-timeout"),
        c.getInt("max-buffered-late-results"),
        c.getInt("max-queued-requests"),
        c.getInt("output.buffer-lines"),
        c.getInt("output.max-line-length"),
        exec);
  }

  /** agent.hcl {@code name}; null or blank keeps the current one. */
  public AgentSettings withName(String newName) {
    if (newName == null || newName.isBlank()) {
      return this;
    }
    return new AgentSettings(
        newName,
        labels,
        version,
        reconnectMinBackoff,
        reconnectMaxBackoff,
        reconnectRandomFactor,
        heartbeatInterval,
        registerTimeout,
        maxBufferedLateResults,
        maxQueuedRequests,
        outputBufferLines,
        maxOutputLineLength,
        exec);
  }

  /** agent.hcl {@code labels}. */
  public AgentSettings withLabels(Map<String, String> newLabels) {
    return new AgentSettings(
        name,
        newLabels,
        version,
        reconnectMinBackoff,
        reconnectMaxBackoff,
        reconnectRandomFactor,
        heartbeatInterval,
        registerTimeout,
        maxBufferedLateResults,
        maxQueuedRequests,
        outputBufferLines,
        maxOutputLineLength,
        exec);
  }

  /** The fluke build version, reported at registration. */
  public AgentSettings withVersion(String newVersion) {
    return new AgentSettings(
        name,
        labels,
        newVersion,
        reconnectMinBackoff,
        reconnectMaxBackoff,
        reconnectRandomFactor,
        heartbeatInterval,
        registerTimeout,
        maxBufferedLateResults,
        maxQueuedRequests,
        outputBufferLines,
        maxOutputLineLength,
        exec);
  }

  public AgentSettings withReconnect(
      Duration minBackoff, Duration maxBackoff, double randomFactor) {
    return new AgentSettings(
        name,
        labels,
        version,
        minBackoff,
        maxBackoff,
        randomFactor,
        heartbeatInterval,
        registerTimeout,
        maxBufferedLateResults,
        maxQueuedRequests,
        outputBufferLines,
        maxOutputLineLength,
        exec);
  }

  public AgentSettings withExec(ExecSettings newExec) {
    return new AgentSettings(
        name,
        labels,
        version,
        reconnectMinBackoff,
        reconnectMaxBackoff,
        reconnectRandomFactor,
        heartbeatInterval,
        registerTimeout,
        maxBufferedLateResults,
        maxQueuedRequests,
        outputBufferLines,
        maxOutputLineLength,
        newExec);
  }

  /**
   * agent.hcl {@code execution { default_shell, command_timeout }}; a null argument keeps the
   * current value.
   */
  public AgentSettings withExecution(String defaultShell, Duration commandTimeout) {
    ExecSettings x = exec;
    return withExec(
        new ExecSettings(
            defaultShell == null ? x.defaultShell() : defaultShell,
            commandTimeout == null ? x.commandTimeout() : commandTimeout,
            x.outputTailBytes(),
            x.env(),
            x.systemctl(),
            x.mise(),
            x.sudo(),
            x.stateDir()));
  }

  /** The host name: what the resolver says, else /etc/hostname. */
  static String hostName() {
    try {
      String n = InetAddress.getLocalHost().getHostName();
      if (n != null && !n.isBlank()) {
        return n;
      }
    } catch (IOException e) {
      // fall through: a host whose own name does not resolve still has /etc/hostname
    }
    try {
      String n = Files.readString(Path.of("/etc/hostname")).trim();
      if (!n.isEmpty()) {
        return n;
      }
    } catch (IOException e) {
      // fall through
    }
    throw new IllegalStateException(
        "cannot determine the host name: set the agent name explicitly");
  }

  /** A duration as operators write it in config: 200ms, 30s, 5m, 1h. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0 && ms > 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
    }
  }

  private static void requireAtLeastOne(String key, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(key + " must be at least 1, got " + n);
    }
  }
}

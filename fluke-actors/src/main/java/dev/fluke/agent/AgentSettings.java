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
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The agent runtime's settings, read from {@code fluke.agent} (fluke-agent.conf, every key
 * documented there). The fluke binary starts from {@link #create(Config)} and applies what
 * agent.hcl says with the {@code with…} methods ({@link #withName}, {@link #withLabels}, {@link
 * #withExec}, {@link #withStopGrace}, {@link #withJournalFile}, …).
 *
 * @param name the name the agent registers with (never blank: an empty configured name means the
 *     host name)
 * @param labels matched by task selectors
 * @param version reported at registration
 * @param reconnect delays between connection attempts
 * @param reconnectResetAfter the reconnect backoff starts again from its minimum only after a
 *     connection stayed registered this long
 * @param restart delays before one of the agent's own actors that failed is restarted or replaced
 * @param heartbeatInterval used when {@code Registered} names no interval
 * @param silentServerIntervals a registered connection on which the server sent nothing for this
 *     many heartbeat intervals is dropped and the next server dialled; 0: never (TCP and HTTP/2
 *     keepalive only)
 * @param registerTimeout how long to wait for {@code Registered}/{@code Rejected} before
 *     reconnecting
 * @param stopGrace how long a running apply may take to finish when the agent stops, or when a
 *     restarted agent finds the apply of its predecessor still running; then its process tree is
 *     killed
 * @param stopReportTimeout how long a stopping agent waits for the server to acknowledge the
 *     results it still holds
 * @param killGrace between SIGTERM and SIGKILL when the agent kills the process tree of an apply a
 *     previous agent process left running
 * @param journalFile where the running apply and the unacknowledged results are kept across agent
 *     restarts; empty: in memory only
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
    Backoff reconnect,
    Duration reconnectResetAfter,
    Backoff restart,
    Duration heartbeatInterval,
    int silentServerIntervals,
    Duration registerTimeout,
    Duration stopGrace,
    Duration stopReportTimeout,
    Duration killGrace,
    Optional<Path> journalFile,
    int maxBufferedLateResults,
    int maxQueuedRequests,
    int outputBufferLines,
    int maxOutputLineLength,
    ExecSettings exec) {

  /**
   * The threads of an agent process's runtime ({@code fluke.agent.threads}): {@code actors} handle
   * the agent's messages (they never block), {@code blocking} run the request that runs, journal
   * writes and the handling of an orphaned apply. Idle threads end after a minute.
   */
  public record Threads(int actors, int blocking) {
    public Threads {
      requireAtLeastOne("threads.actors", actors);
      requireAtLeastOne("threads.blocking", blocking);
    }

    public static Threads read(Config config) {
      Config c = config.getConfig("fluke.agent.threads");
      return new Threads(c.getInt("actors"), c.getInt("blocking"));
    }
  }

  /**
   * An exponential backoff: from {@code min}, doubling up to {@code max}, each delay randomised by
   * up to {@code randomFactor} (0.2 = +20%).
   */
  public record Backoff(Duration min, Duration max, double randomFactor) {
    public Backoff {
      requirePositive("min-backoff", min);
      requirePositive("max-backoff", max);
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("max-backoff must not be below min-backoff");
      }
      if (randomFactor < 0) {
        throw new IllegalArgumentException("random-factor must not be negative");
      }
    }

    static Backoff read(Config c) {
      return new Backoff(
          c.getDuration("min-backoff"), c.getDuration("max-backoff"), c.getDouble("random-factor"));
    }

    /** The delay before attempt {@code n + 1} after {@code n} failures in a row (n ≥ 1). */
    Duration delay(int failures, double random) {
      double factor = Math.pow(2, Math.min(Math.max(failures - 1, 0), 30));
      double millis = Math.min(max.toMillis(), min.toMillis() * factor);
      return Duration.ofMillis((long) (millis * (1 + random * randomFactor)));
    }
  }

  public AgentSettings {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("agent name must not be blank");
    }
    labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    requirePositive("reconnect.reset-after", reconnectResetAfter);
    requirePositive("heartbeat-interval", heartbeatInterval);
    if (silentServerIntervals < 0) {
      throw new IllegalArgumentException(
          "silent-server-intervals must not be negative, got " + silentServerIntervals);
    }
    requirePositive("register-timeout", registerTimeout);
    requirePositive("stop-grace", stopGrace);
    requirePositive("stop-report-timeout", stopReportTimeout);
    requirePositive("kill-grace", killGrace);
    requireAtLeastOne("max-buffered-late-results", maxBufferedLateResults);
    requireAtLeastOne("max-queued-requests", maxQueuedRequests);
    requireAtLeastOne("output.buffer-lines", outputBufferLines);
    requireAtLeastOne("output.max-line-length", maxOutputLineLength);
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
    String journal = c.getString("journal-file");
    return new AgentSettings(
        name.isBlank() ? hostName() : name,
        labels,
        c.getString("version"),
        Backoff.read(c.getConfig("reconnect")),
        c.getDuration("reconnect.reset-after"),
        Backoff.read(c.getConfig("restart")),
        c.getDuration("heartbeat-interval"),
        c.getInt("silent-server-intervals"),
        c.getDuration("register-timeout"),
        c.getDuration("stop-grace"),
        c.getDuration("stop-report-timeout"),
        c.getDuration("kill-grace"),
        journal.isBlank() ? Optional.empty() : Optional.of(Path.of(journal)),
        c.getInt("max-buffered-late-results"),
        c.getInt("max-queued-requests"),
        c.getInt("output.buffer-lines"),
        c.getInt("output.max-line-length"),
        exec);
  }

  /** agent.hcl {@code name}; null or blank keeps the current one. */
  public AgentSettings withName(String newName) {
    return newName == null || newName.isBlank() ? this : edit(b -> b.name = newName);
  }

  /** agent.hcl {@code labels}. */
  public AgentSettings withLabels(Map<String, String> newLabels) {
    return edit(b -> b.labels = newLabels);
  }

  /** The fluke build version, reported at registration. */
  public AgentSettings withVersion(String newVersion) {
    return edit(b -> b.version = newVersion);
  }

  public AgentSettings withReconnect(
      Duration minBackoff, Duration maxBackoff, double randomFactor) {
    Backoff backoff = new Backoff(minBackoff, maxBackoff, randomFactor);
    return edit(b -> b.reconnect = backoff);
  }

  /** agent.hcl {@code stop_grace}. */
  public AgentSettings withStopGrace(Duration grace) {
    return edit(b -> b.stopGrace = grace);
  }

  /** The journal that keeps the running apply and unacknowledged results across restarts. */
  public AgentSettings withJournalFile(Path file) {
    return edit(b -> b.journalFile = Optional.of(file));
  }

  public AgentSettings withExec(ExecSettings newExec) {
    return edit(b -> b.exec = newExec);
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
            x.stateDir(),
            x.checkConcurrency()));
  }

  /** A copy with some components changed (records have no built-in way to do this). */
  private AgentSettings edit(Consumer<Copy> change) {
    Copy b = new Copy(this);
    change.accept(b);
    return new AgentSettings(
        b.name,
        b.labels,
        b.version,
        b.reconnect,
        reconnectResetAfter,
        restart,
        heartbeatInterval,
        silentServerIntervals,
        registerTimeout,
        b.stopGrace,
        stopReportTimeout,
        killGrace,
        b.journalFile,
        maxBufferedLateResults,
        maxQueuedRequests,
        outputBufferLines,
        maxOutputLineLength,
        b.exec);
  }

  /** The components a {@code with…} method may change. */
  private static final class Copy {
    String name;
    Map<String, String> labels;
    String version;
    Backoff reconnect;
    Duration stopGrace;
    Optional<Path> journalFile;
    ExecSettings exec;

    Copy(AgentSettings s) {
      name = s.name;
      labels = s.labels;
      version = s.version;
      reconnect = s.reconnect;
      stopGrace = s.stopGrace;
      journalFile = s.journalFile;
      exec = s.exec;
    }
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

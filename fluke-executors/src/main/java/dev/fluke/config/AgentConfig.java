package dev.fluke.config;

import dev.fluke.exec.ExecSettings;
import dev.fluke.hcl.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code agent.hcl} after checking (SPEC §3, docs/configuration.md), defaults filled in. Built by
 * {@link ConfigLoader#loadAgent}. {@link #toString()} hides the token.
 *
 * @param serverUrls {@code server_url} (one entry) or {@code server_urls} (several servers of one
 *     control plane, tried in turn; docs/protocol.md, "Failover"); never empty, one scheme for all
 * @param token the agent token: {@code token} or {@code FLUKE_TOKEN}
 * @param name the agent's name: {@code name}, default the host name
 * @param stopGrace {@code stop_grace}: how long a running apply may take to finish when the agent
 *     is stopped (or finds the apply of a crashed predecessor still running) before its process
 *     tree is killed
 */
public record AgentConfig(
    List<ServerUrl> serverUrls,
    String token,
    String name,
    Map<String, String> labels,
    Path stateDir,
    Duration stopGrace,
    Tls tls,
    Execution execution,
    LogConfig log) {
  public AgentConfig {
    if (serverUrls.isEmpty()) {
      throw new IllegalArgumentException("an agent needs at least one server URL");
    }
    serverUrls = List.copyOf(serverUrls);
    labels = Collections.unmodifiableMap(new TreeMap<>(labels));
  }

  /** An agent of one server ({@code server_url}). */
  public AgentConfig(
      ServerUrl serverUrl,
      String token,
      String name,
      Map<String, String> labels,
      Path stateDir,
      Duration stopGrace,
      Tls tls,
      Execution execution,
      LogConfig log) {
    this(List.of(serverUrl), token, name, labels, stateDir, stopGrace, tls, execution, log);
  }

  /**
   * {@code grpc://host:port} (plaintext) or {@code grpcs://host:port} (TLS); the port defaults to
   * 7070.
   */
  public record ServerUrl(String host, int port, boolean tls) {
    @Override
    public String toString() {
      return (tls ? "grpcs" : "grpc")
          + "://"
          + (host.contains(":") ? "[" + host + "]" : host)
          + ":"
          + port;
    }
  }

  /**
   * {@code tls { ca_file insecure_skip_verify cert_file key_file }}, for {@code grpcs://} only.
   *
   * @param caFile trust this CA (PEM) instead of the system's trust store
   * @param insecureSkipVerify accept any server certificate (testing only)
   * @param certFile this agent's certificate, for a server that asks for one (mutual TLS)
   * @param keyFile the key of {@code certFile}; both or neither
   */
  public record Tls(
      Optional<Path> caFile,
      boolean insecureSkipVerify,
      Optional<Path> certFile,
      Optional<Path> keyFile) {
    /** TLS without a client certificate. */
    public Tls(Optional<Path> caFile, boolean insecureSkipVerify) {
      this(caFile, insecureSkipVerify, Optional.empty(), Optional.empty());
    }
  }

  /**
   * {@code execution { … }}: how executors run on this host.
   *
   * @param checkConcurrency {@code check_concurrency}: how many checks of one request may run at
   *     the same time (see {@link ExecSettings#checkConcurrency()})
   */
  public record Execution(
      String defaultShell,
      Duration commandTimeout,
      String systemctlPath,
      String misePath,
      String sudoPath,
      int outputTailBytes,
      int checkConcurrency) {

    /**
     * With the default {@code check_concurrency} ({@link ExecSettings#defaultCheckConcurrency}).
     */
    public Execution(
        String defaultShell,
        Duration commandTimeout,
        String systemctlPath,
        String misePath,
        String sudoPath,
        int outputTailBytes) {
      this(
          defaultShell,
          commandTimeout,
          systemctlPath,
          misePath,
          sudoPath,
          outputTailBytes,
          ExecSettings.defaultCheckConcurrency());
    }
  }

  /**
   * The executors' settings for this agent; {@code env} is the environment processes start from.
   */
  public ExecSettings execSettings(Map<String, String> env) {
    return new ExecSettings(
        execution.defaultShell(),
        execution.commandTimeout(),
        execution.outputTailBytes(),
        env,
        execution.systemctlPath(),
        execution.misePath(),
        execution.sudoPath(),
        stateDir,
        execution.checkConcurrency());
  }

  @Override
  public String toString() {
    return "AgentConfig[serverUrls="
        + serverUrls
        + ", token=***, name="
        + name
        + ", labels="
        + labels
        + ", stateDir="
        + stateDir
        + ", stopGrace="
        + Durations.format(stopGrace)
        + ", tls="
        + tls
        + ", execution=Execution[defaultShell="
        + execution.defaultShell()
        + ", commandTimeout="
        + Durations.format(execution.commandTimeout())
        + ", systemctlPath="
        + execution.systemctlPath()
        + ", misePath="
        + execution.misePath()
        + ", sudoPath="
        + execution.sudoPath()
        + ", outputTailBytes="
        + execution.outputTailBytes()
        + "], log="
        + log
        + "]";
  }
}

package dev.fluke.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Agent-wide settings every executor runs with ({@code agent { execution {...} }} plus paths that
 * tests point at stand-ins).
 *
 * @param defaultShell shell used for {@code shell} check/command strings ({@code -c})
 * @param commandTimeout after this the whole process tree is killed and the step is an ERROR
 * @param outputTailBytes how much of the end of stdout/stderr is kept in results
 * @param env the environment every process starts from (normally the agent's own)
 * @param systemctl path of {@code systemctl}
 * @param mise path of {@code mise}
 * @param sudo path of {@code sudo} (for {@code run_as})
 * @param stateDir where the agent may keep files of its own (e.g. git credentials helpers)
 * @param checkConcurrency how many checks of one CheckRequest may run at the same time (agent.hcl
 *     {@code check_concurrency}; 1: one after the other, in the manifest's order); applies and what
 *     an apply runs never run concurrently (docs/configuration.md)
 */
public record ExecSettings(
    String defaultShell,
    Duration commandTimeout,
    int outputTailBytes,
    Map<String, String> env,
    String systemctl,
    String mise,
    String sudo,
    Path stateDir,
    int checkConcurrency) {

  /** The most checks the default {@link #checkConcurrency} lets run at once. */
  public static final int MAX_DEFAULT_CHECK_CONCURRENCY = 4;

  /** The highest {@code check_concurrency} agent.hcl accepts. */
  public static final int MAX_CHECK_CONCURRENCY = 64;

  public ExecSettings {
    env = Map.copyOf(env);
    if (checkConcurrency < 1 || checkConcurrency > MAX_CHECK_CONCURRENCY) {
      throw new IllegalArgumentException(
          "check concurrency must be from 1 to "
              + MAX_CHECK_CONCURRENCY
              + ", got "
              + checkConcurrency);
    }
  }

  /** Settings with the default {@link #checkConcurrency}. */
  public ExecSettings(
      String defaultShell,
      Duration commandTimeout,
      int outputTailBytes,
      Map<String, String> env,
      String systemctl,
      String mise,
      String sudo,
      Path stateDir) {
    this(
        defaultShell,
        commandTimeout,
        outputTailBytes,
        env,
        systemctl,
        mise,
        sudo,
        stateDir,
        defaultCheckConcurrency());
  }

  /**
   * The default {@code check_concurrency}: the number of cores the JVM may use, at most {@value
   * #MAX_DEFAULT_CHECK_CONCURRENCY} (checks mostly wait for processes to start and end, and a host
   * is there to run its services, not its checks).
   */
  public static int defaultCheckConcurrency() {
    return Math.min(Runtime.getRuntime().availableProcessors(), MAX_DEFAULT_CHECK_CONCURRENCY);
  }

  public ExecSettings withTimeout(Duration timeout) {
    return new ExecSettings(
        defaultShell,
        timeout,
        outputTailBytes,
        env,
        systemctl,
        mise,
        sudo,
        stateDir,
        checkConcurrency);
  }

  public ExecSettings withEnv(Map<String, String> newEnv) {
    return new ExecSettings(
        defaultShell,
        commandTimeout,
        outputTailBytes,
        newEnv,
        systemctl,
        mise,
        sudo,
        stateDir,
        checkConcurrency);
  }

  /** These settings with {@code n} checks of one request at most running at the same time. */
  public ExecSettings withCheckConcurrency(int n) {
    return new ExecSettings(
        defaultShell, commandTimeout, outputTailBytes, env, systemctl, mise, sudo, stateDir, n);
  }
}

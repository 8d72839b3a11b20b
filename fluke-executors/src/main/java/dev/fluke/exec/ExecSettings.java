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
 */
public record ExecSettings(
    String defaultShell,
    Duration commandTimeout,
    int outputTailBytes,
    Map<String, String> env,
    String systemctl,
    String mise,
    String sudo,
    Path stateDir) {
  public ExecSettings {
    env = Map.copyOf(env);
  }

  public ExecSettings withTimeout(Duration timeout) {
    return new ExecSettings(
        defaultShell, timeout, outputTailBytes, env, systemctl, mise, sudo, stateDir);
  }

  public ExecSettings withEnv(Map<String, String> newEnv) {
    return new ExecSettings(
        defaultShell, commandTimeout, outputTailBytes, newEnv, systemctl, mise, sudo, stateDir);
  }
}

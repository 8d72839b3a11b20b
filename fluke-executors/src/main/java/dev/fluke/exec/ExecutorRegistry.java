package dev.fluke.exec;

import dev.fluke.git.GitSync;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The executors an agent can run, keyed by block type ({@code mise}, {@code systemd}, {@code
 * shell}).
 */
public final class ExecutorRegistry {
  private ExecutorRegistry() {}

  /**
   * The built-in executors sharing one {@link ProcessRunner}; {@code git} serves mise's git blocks.
   */
  public static Map<String, Executor> builtin(GitSync git) {
    return builtin(git, new ProcessRunner());
  }

  public static Map<String, Executor> builtin(GitSync git, ProcessRunner runner) {
    Map<String, Executor> all = new LinkedHashMap<>();
    for (Executor e :
        new Executor[] {
          new MiseExecutor(git, runner), new SystemdExecutor(runner), new ShellExecutor(runner)
        }) {
      all.put(e.type(), e);
    }
    return Collections.unmodifiableMap(all);
  }
}

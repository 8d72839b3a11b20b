package dev.fluke.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Looks at processes from tests: whether a pid still runs (zombies count as gone). */
public final class TestProcesses {
  private TestProcesses() {}

  /**
   * True when the process is gone or a zombie (killed orphans may stay zombies where PID 1 does not
   * reap).
   */
  public static boolean isGone(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String state = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ")[0];
      return state.equals("Z") || state.equals("X");
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Waits (polling, at most {@code maxMillis}) until the process is gone; returns whether it is.
   * Used to let the kernel finish delivering signals, not to measure speed.
   */
  public static boolean awaitGone(long pid, long maxMillis) {
    try {
      Awaitility.await()
          .atMost(Duration.ofMillis(maxMillis))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> isGone(pid));
      return true;
    } catch (ConditionTimeoutException e) {
      return isGone(pid);
    }
  }
}

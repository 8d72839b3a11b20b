package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServerCpuTest {
  private static final Path SELF = Path.of("/proc/self/stat");

  @Test
  void childrensCpuCountsWhatAWaitedForChildBurnedAndNotThisProcesssOwn() throws Exception {
    long children = ServerCpu.childrenCpuNanos(SELF);
    long own = ServerCpu.cpuNanos(SELF);
    // a child that only burns CPU: a shell counting, about a quarter of a second or more
    Process p =
        new ProcessBuilder("/bin/sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
    long burned = ServerCpu.childrenCpuNanos(SELF) - children;
    long ownSince = ServerCpu.cpuNanos(SELF) - own;
    assertTrue(burned >= 100_000_000L, "the child's CPU: " + burned / 1e6 + " ms");
    assertTrue(ownSince < burned, "own " + ownSince / 1e6 + " ms, child " + burned / 1e6 + " ms");
  }
}

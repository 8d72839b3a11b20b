package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProcessTreeTest {
  private static final long SELF = ProcessHandle.current().pid();

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aMarkerMatchesOnlyAWholeEnvironmentEntry() {
    String path = System.getenv("PATH");
    assertTrue(ProcessTree.environHolds(SELF, bytes("PATH=" + path)));
    // a prefix of the value, a suffix of the entry, another name: not the entry
    assertFalse(
        ProcessTree.environHolds(SELF, bytes("PATH=" + path.substring(0, path.length() - 1))));
    assertFalse(ProcessTree.environHolds(SELF, bytes("ATH=" + path)));
    assertFalse(ProcessTree.environHolds(SELF, bytes("NO_SUCH_VARIABLE_FLUKE=" + path)));
  }

  @Test
  void aProcessThatIsGoneHoldsNothing() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long pid = p.pid();
    assertFalse(ProcessTree.environHolds(pid, bytes("PATH=" + System.getenv("PATH"))));
    assertFalse(ProcessTree.isRunning(p.toHandle()));
  }

  @Test
  void theScanFindsTheMarkedProcessesAndNeverThisOne() throws Exception {
    Process other = new ProcessBuilder("sleep", "30").start();
    ProcessBuilder pb = new ProcessBuilder("sleep", "30");
    pb.environment().put(ProcessRunner.RUN_ID_VARIABLE, "tree-test-1");
    Process tagged = pb.start();
    try {
      var found = ProcessTree.scan(-1, "tree-test-1");
      assertTrue(found.contains(tagged.toHandle()), found.toString());
      assertFalse(found.contains(other.toHandle()), found.toString());
      assertFalse(found.contains(ProcessHandle.current()), found.toString());
      assertTrue(ProcessTree.scan(-1, "tree-test-2").isEmpty());
    } finally {
      other.destroyForcibly();
      tagged.destroyForcibly();
    }
  }
}

package dev.fluke.exec;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessTreeTest {
  private static final long SELF = ProcessHandle.current().pid();
  private final List<ProcessHandle> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(ProcessHandle::destroyForcibly);
  }

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

  @Test
  void aProcessIsFoundAgainOnlyWithItsOwnStartTime() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    started.add(p.toHandle());
    ProcessTree.Identity id = ProcessTree.Identity.of(p.toHandle());
    assertTrue(id.startTicks() > 0, "read from /proc");

    assertEquals(Optional.of(p.toHandle()), ProcessTree.find(id));
    ProcessTree.Identity reused =
        new ProcessTree.Identity(id.pid(), id.startTicks() - 1, id.startedAt());
    assertTrue(ProcessTree.find(reused).isEmpty(), "same pid, another process");
    p.destroyForcibly().waitFor();
    assertTrue(ProcessTree.find(id).isEmpty(), "gone");
  }

  @Test
  void aFoundProcessIsKilledWithItsGroupAndWhatCarriesItsRunId() throws Exception {
    // A leader of its own group (setsid) with a child in that group, and a grandchild that left
    // both the group (setsid again) and the tree (its parent, a subshell, exits at once) but still
    // carries the run's id.
    ProcessBuilder pb =
        new ProcessBuilder("setsid", "sh", "-c", "(setsid sleep 601 &); sleep 600 & wait");
    pb.environment().put(ProcessRunner.RUN_ID_VARIABLE, "tree-test-3");
    Process leader = pb.start();
    started.add(leader.toHandle());
    // Until the subshell has exited, both sleeps run and the grandchild's setsid took effect:
    // before that, the subshell or a grandchild still in the group can make up three processes.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              List<ProcessHandle> now = ProcessTree.scan(-1, "tree-test-3");
              return ProcessTree.stat(leader.pid()).map(s -> s.pgrp() == leader.pid()).orElse(false)
                  && now.size() == 3
                  && now.stream()
                          .filter(h -> h.info().command().orElse("").endsWith("sleep"))
                          .count()
                      == 2
                  && now.stream()
                      .anyMatch(
                          h ->
                              ProcessTree.stat(h.pid())
                                  .map(s -> s.pgrp() != leader.pid())
                                  .orElse(false));
            });
    List<ProcessHandle> marked = ProcessTree.scan(-1, "tree-test-3");
    started.addAll(marked);
    ProcessHandle escaped =
        marked.stream()
            .filter(h -> ProcessTree.stat(h.pid()).orElseThrow().pgrp() != leader.pid())
            .findFirst()
            .orElseThrow(() -> new AssertionError("the grandchild left the group: " + marked));
    assertFalse(leader.descendants().anyMatch(escaped::equals), "not a descendant either");

    ProcessTree tree =
        ProcessTree.of(ProcessTree.find(ProcessTree.Identity.of(leader.toHandle())).orElseThrow());
    assertTrue(tree.members().containsAll(marked), tree.members().toString());
    assertEquals(3, tree.kill(Duration.ofSeconds(2)));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> marked.stream().noneMatch(ProcessTree::isRunning));
    assertTrue(ProcessTree.scan(leader.pid(), "tree-test-3").isEmpty());
  }

  @Test
  void theRunIdIsReadFromTheEnvironmentTheProcessStartedWith() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sleep", "30");
    pb.environment().put(ProcessRunner.RUN_ID_VARIABLE, "tree-test-4");
    Process p = pb.start();
    started.add(p.toHandle());

    assertEquals(Optional.of("tree-test-4"), ProcessTree.runIdOf(p.pid()));
    assertEquals(Optional.empty(), ProcessTree.runIdOf(SELF));
  }
}

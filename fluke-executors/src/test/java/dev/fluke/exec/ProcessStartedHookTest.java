package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.TestTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ExecContext#processStarted()} hook the agent journals running applies with: it is told
 * about every process the runner starts. What an apply runs ({@link
 * ProcessRunner.Command#ownGroup()}) leads its own process group, which the agent's orphan recovery
 * kills with it; a check stays in the agent's group.
 */
class ProcessStartedHookTest {
  @TempDir Path tmp;
  private final ProcessRunner runner = new ProcessRunner(Duration.ofMillis(500));

  /**
   * Runs a shell that writes its own pid and process group id; returns them and the hook's pids.
   */
  private long[] run(boolean ownGroup, List<ProcessHandle> started) throws Exception {
    ExecSettings settings = TestTools.settingsWithoutMise(tmp);
    Path ids = tmp.resolve("ids-" + ownGroup);
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of(
                    "bash", "-c", "echo \"$$ $(cut -d' ' -f5 /proc/$$/stat)\" > " + ids)
                .withOwnGroup(ownGroup),
            new ExecContext(settings, line -> {}, () -> false, started::add));
    assertTrue(r.succeeded(), r.toString());
    String[] written = Files.readString(ids, StandardCharsets.UTF_8).trim().split(" ");
    return new long[] {Long.parseLong(written[0]), Long.parseLong(written[1])};
  }

  @Test
  void anApplysCommandIsReportedToTheHookAndLeadsItsOwnProcessGroup() throws Exception {
    List<ProcessHandle> started = new CopyOnWriteArrayList<>();
    long[] shell = run(true, started);

    assertEquals(1, started.size());
    assertEquals(shell[0], started.get(0).pid(), "the hook saw the process that ran the command");
    assertEquals(shell[0], shell[1], "the command leads its own process group");
  }

  @Test
  void aChecksCommandIsReportedToTooButStaysInTheAgentsProcessGroup() throws Exception {
    List<ProcessHandle> started = new CopyOnWriteArrayList<>();
    long[] shell = run(false, started);
    long agentGroup = ProcessTree.stat(ProcessHandle.current().pid()).orElseThrow().pgrp();

    assertEquals(1, started.size());
    assertEquals(shell[0], started.get(0).pid());
    assertNotEquals(shell[0], shell[1], "no group of its own");
    assertEquals(agentGroup, shell[1], "the agent's group");
  }

  @Test
  void contextWithoutAHookStillRuns() {
    ExecContext ctx = ExecContext.of(TestTools.settingsWithoutMise(tmp));
    assertTrue(runner.run(ProcessRunner.Command.of("true"), ctx).succeeded());
  }
}

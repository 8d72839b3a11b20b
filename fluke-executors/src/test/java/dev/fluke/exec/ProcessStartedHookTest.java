package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * about the process the runner started, which leads its own process group.
 */
class ProcessStartedHookTest {
  @TempDir Path tmp;
  private final ProcessRunner runner = new ProcessRunner(Duration.ofMillis(500));

  @Test
  void hookGetsTheStartedProcessWhichLeadsItsOwnProcessGroup() throws Exception {
    ExecSettings settings = TestTools.settingsWithoutMise(tmp);
    List<ProcessHandle> started = new CopyOnWriteArrayList<>();
    Path ids = tmp.resolve("ids");
    // The shell writes its own pid and process group id: the hook must have seen that very process.
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.Command.of(
                "bash", "-c", "echo \"$$ $(cut -d' ' -f5 /proc/$$/stat)\" > " + ids),
            new ExecContext(settings, line -> {}, () -> false, started::add));

    assertTrue(r.succeeded(), r.toString());
    assertEquals(1, started.size());
    String[] written = Files.readString(ids, StandardCharsets.UTF_8).trim().split(" ");
    long pid = Long.parseLong(written[0]);
    assertEquals(pid, started.get(0).pid(), "the hook saw the process that ran the command");
    assertEquals(pid, Long.parseLong(written[1]), "the command leads its own process group");
  }

  @Test
  void contextWithoutAHookStillRuns() {
    ExecContext ctx = ExecContext.of(TestTools.settingsWithoutMise(tmp));
    assertTrue(runner.run(ProcessRunner.Command.of("true"), ctx).succeeded());
  }
}

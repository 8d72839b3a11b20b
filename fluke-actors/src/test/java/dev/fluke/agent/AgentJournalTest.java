package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.agent.AgentJournal.Block;
import dev.fluke.agent.AgentJournal.RunningProcess;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.exec.StepResult;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentJournalTest {
  @TempDir Path dir;

  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final ExecutorOutcome DONE =
      new ExecutorOutcome(
          "pre",
          "shell",
          new StepResult(
              Phase.CHECK, Outcome.DRIFTED, 1, "no marker", Duration.ofMillis(12), "exit 1"),
          new StepResult(
              Phase.APPLY, Outcome.APPLIED, 0, "done\n", Duration.ofMillis(340), "exit 0"),
          new StepResult(Phase.VERIFY, Outcome.SATISFIED, 0, "", Duration.ofMillis(9), "exit 0"));

  private Path file() {
    return dir.resolve("state").resolve("agent-journal.json");
  }

  @Test
  void everyChangeIsWrittenAndAnotherProcessReadsItBackWhole() {
    AgentJournal journal = AgentJournal.open(file());
    journal.applyStarted(7, task("deploy", block("shell", "pre"), block("mise", "app")), T0);
    journal.blockDone(DONE);
    journal.processStarted(
        new RunningProcess(1, Phase.APPLY, new ProcessTree.Identity(4242, 123456, T0)));

    AgentJournal.State read = AgentJournal.open(file()).state();

    AgentJournal.RunningApply r = read.running();
    assertEquals(7, r.cycleId());
    assertEquals("deploy", r.task());
    assertEquals(List.of(new Block("pre", "shell"), new Block("app", "mise")), r.blocks());
    assertEquals(T0, r.startedAt());
    assertEquals(List.of(DONE), r.done());
    assertEquals(
        new RunningProcess(1, Phase.APPLY, new ProcessTree.Identity(4242, 123456, T0)),
        r.process());
    assertEquals(List.of(), read.results());
  }

  @Test
  void finishingAnApplyKeepsItsResultAndEndsItInOneChange() {
    AgentJournal journal = AgentJournal.open(file());
    journal.applyStarted(7, task("deploy", block("shell", "pre")), T0);
    ApplyResult result = new ApplyResult(7, new TaskOutcome("deploy", List.of(DONE)), false);

    AgentJournal.KeptResult kept = journal.finish(result);
    AgentJournal.KeptResult other =
        journal.keep(new ApplyResult(8, new TaskOutcome("other", List.of()), false));

    AgentJournal.State read = AgentJournal.open(file()).state();
    assertNull(read.running());
    assertEquals(List.of(kept, other), read.results());
    assertEquals(result, read.results().get(0).result());
    assertEquals(kept.seq() + 1, other.seq());

    journal.forget(kept.seq());
    assertEquals(List.of(other), AgentJournal.open(file()).state().results());
    // Numbers are never reused, also by the next agent process.
    assertEquals(other.seq() + 1, AgentJournal.open(file()).state().nextSeq());
  }

  @Test
  void anUnreadableJournalIsMovedAsideAndTheAgentStartsWithAnEmptyOne() throws Exception {
    Files.createDirectories(file().getParent());
    Files.writeString(file(), "{ not json");

    AgentJournal journal = AgentJournal.open(file());

    assertNull(journal.state().running());
    assertTrue(journal.state().results().isEmpty());
    try (Stream<Path> files = Files.list(file().getParent())) {
      assertTrue(
          files.anyMatch(
              p -> p.getFileName().toString().startsWith("agent-journal.json.unreadable-")));
    }
    assertEquals(AgentJournal.State.EMPTY, AgentJournal.open(file()).state(), "a fresh file now");
  }

  @Test
  void aStateDirThatCannotHoldTheJournalStopsTheStartWithTheReason() throws Exception {
    Path notADir = dir.resolve("state");
    Files.writeString(notADir, "a file where the directory should be");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> AgentJournal.open(file()));
    assertTrue(e.getMessage().contains("make state_dir writable"), e.getMessage());
  }

  @Test
  void aJournalInMemoryWritesNoFile() throws Exception {
    AgentJournal journal = AgentJournal.inMemory();
    journal.applyStarted(1, task("t", block("shell", "a")), T0);
    journal.finish(new ApplyResult(1, new TaskOutcome("t", List.of()), false));

    assertEquals(1, journal.state().results().size());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }
}

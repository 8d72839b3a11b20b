package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

  /** Written by the journal of 0.1.0 (Jackson's data binding): read alike and written the same. */
  private static final String JOURNAL_V1 =
      """
        {
          "version" : 1,
          "running" : {
            "cycle_id" : 42,
            "task" : "web",
            "blocks" : [ {
              "name" : "a",
              "type" : "shell"
            }, {
              "name" : "b",
              "type" : "shell"
            } ],
            "started_at" : "2026-12-05T10:00:00.123456Z",
            "done" : [ {
              "executor" : "shell \\"a\\"",
              "type" : "shell",
              "check" : {
                "phase" : "check",
                "outcome" : "satisfied",
                "exit_code" : 0,
                "output" : "",
                "duration_millis" : 3,
                "message" : ""
              }
            } ],
            "process" : {
              "block" : 1,
              "phase" : "apply",
              "pid" : 4242,
              "pgid" : 4242,
              "start_ticks" : 987654,
              "started_at" : "2026-12-05T10:00:01Z"
            }
          },
          "results" : [ {
            "seq" : 7,
            "cycle_id" : 41,
            "task" : "db",
            "late" : true,
            "blocks" : [ {
              "executor" : "shell \\"b\\"",
              "type" : "shell",
              "check" : {
                "phase" : "check",
                "outcome" : "drifted",
                "exit_code" : 1,
                "output" : "line \\"one\\"\\n\\ttwo é ☃",
                "duration_millis" : 12,
                "message" : ""
              },
              "apply" : {
                "phase" : "apply",
                "outcome" : "applied",
                "exit_code" : 0,
                "output" : "done\\n",
                "duration_millis" : 1500,
                "message" : ""
              },
              "verify" : {
                "phase" : "verify",
                "outcome" : "error",
                "exit_code" : -1,
                "output" : "",
                "duration_millis" : 300000,
                "message" : "timed out after 5m"
              }
            } ]
          }, {
            "seq" : 8,
            "cycle_id" : 43,
            "task" : "empty",
            "late" : false,
            "blocks" : [ ]
          } ],
          "next_seq" : 9
        }""";

  private static final String EMPTY_JOURNAL_V1 =
      """
        {
          "version" : 1,
          "results" : [ ],
          "next_seq" : 1
        }""";

  @Test
  void aJournalOfTheFirstFormatIsReadWholeAndWrittenBackByteForByte() throws Exception {
    AgentJournal.State state = JournalJson.read(JOURNAL_V1.getBytes(StandardCharsets.UTF_8));

    assertEquals(42, state.running().cycleId());
    assertEquals(
        List.of(new AgentJournal.Block("a", "shell"), new AgentJournal.Block("b", "shell")),
        state.running().blocks());
    assertEquals(Instant.parse("2026-12-05T10:00:00.123456Z"), state.running().startedAt());
    assertEquals(
        new AgentJournal.RunningProcess(
            1,
            Phase.APPLY,
            new ProcessTree.Identity(4242, 987654, Instant.parse("2026-12-05T10:00:01Z"))),
        state.running().process());
    assertEquals(Outcome.SATISFIED, state.running().done().get(0).check().outcome());
    assertNull(state.running().done().get(0).apply());
    ExecutorOutcome drifted = state.results().get(0).result().task().executors().get(0);
    assertEquals("line \"one\"\n\ttwo é ☃", drifted.check().output());
    assertEquals(Duration.ofMinutes(5), drifted.verify().duration());
    assertEquals("timed out after 5m", drifted.verify().message());
    assertEquals(-1, drifted.verify().exitCode());
    assertTrue(state.results().get(0).result().late());
    assertEquals(8, state.results().get(1).seq());
    assertEquals(9, state.nextSeq());

    assertEquals(JOURNAL_V1, new String(JournalJson.write(state), StandardCharsets.UTF_8));
    assertEquals(
        EMPTY_JOURNAL_V1,
        new String(
            JournalJson.write(JournalJson.read(EMPTY_JOURNAL_V1.getBytes(StandardCharsets.UTF_8))),
            StandardCharsets.UTF_8));
  }

  @Test
  void fieldsTheJournalDoesNotKnowAreIgnoredAndAnotherVersionOrNoObjectIsRefused() {
    String withMore =
        EMPTY_JOURNAL_V1.replace(
            "\"version\" : 1,", "\"version\" : 1, \"future\" : {\"x\": [1.5, null]},");
    assertDoesNotThrow(() -> JournalJson.read(withMore.getBytes(StandardCharsets.UTF_8)));
    for (String bad :
        List.of(
            EMPTY_JOURNAL_V1.replace("\"version\" : 1", "\"version\" : 2"),
            "[1, 2]",
            "",
            "{\"version\": 1, \"results\": [ {\"seq\": \"x\"} ]}",
            EMPTY_JOURNAL_V1 + " {}")) {
      assertThrows(
          IOException.class,
          () -> JournalJson.read(bad.getBytes(StandardCharsets.UTF_8)),
          () -> "accepted: " + bad);
    }
  }
}

package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.AgentJournal.RunningProcess;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.ManualTime;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a restarted agent does with the apply its predecessor left running, with real processes
 * (each started through setsid, as the process runner starts commands, with a child in its group).
 * Time is manual: the grace passes when the test says so.
 */
class OrphanRecoveryTest {
  static final ManualTime time = new ManualTime();
  static final ActorTestKit testKit = ActorTestKit.create(time);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();
  private final AgentSettings settings =
      AgentSettings.create(ConfigFactory.load()).withName("web-01");

  @AfterEach
  void killLeftovers() throws IOException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /** A command leading its own process group, with a child ({@code sleep}) in that group. */
  private Process leaderWithChild(String script) throws IOException {
    Process p =
        new ProcessBuilder("setsid", "sh", "-c", "sleep 600 & " + script)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out").toFile())
            .start();
    started.add(p);
    return p;
  }

  /** A journal whose running apply runs {@code process}, in its second block's apply step. */
  private AgentJournal journalRunning(ProcessTree.Identity process) {
    AgentJournal journal = AgentJournal.open(dir.resolve("agent-journal.json"));
    journal.applyStarted(
        12, task("upgrade", block("shell", "prepare"), block("shell", "install")), Instant.now());
    journal.blockDone(
        new ExecutorOutcome(
            "prepare",
            "shell",
            dev.fluke.exec.StepResult.skipped(Phase.CHECK, "scripted"),
            null,
            null));
    if (process != null) {
      journal.processStarted(new RunningProcess(1, Phase.APPLY, process));
    }
    return journal;
  }

  private ProcessTree.Identity identity(Process p) {
    // setsid has made it the leader of its group once its group id is its pid
    await()
        .atMost(Duration.ofSeconds(10))
        .alias("the command leads its own process group")
        .until(() -> ProcessTree.stat(p.pid()).map(s -> s.pgrp() == p.pid()).orElse(false));
    return ProcessTree.Identity.of(p.toHandle());
  }

  private ApplyResult recover(AgentJournal journal, TestProbe<OrphanRecovery.Recovered> probe) {
    probe.expectMessage(Duration.ofSeconds(20), OrphanRecovery.Recovered.INSTANCE);
    assertNull(journal.state().running(), "no apply is running any more");
    assertEquals(1, journal.state().results().size());
    ApplyResult result = journal.state().results().get(0).result();
    assertEquals(12, result.cycleId());
    assertTrue(result.late());
    assertEquals(Outcome.SKIPPED, result.task().executors().get(0).check().outcome(), "kept");
    return result;
  }

  private static String interruption(ApplyResult r) {
    ExecutorOutcome install = r.task().executors().get(1);
    assertEquals(Outcome.ERROR, install.apply().outcome());
    return install.apply().message();
  }

  @Test
  void anApplyStillRunningAfterTheGraceHasItsWholeProcessTreeKilled() throws Exception {
    Process leader = leaderWithChild("wait");
    ProcessTree.Identity id = identity(leader);
    // the shell starts its child a moment after it has become the group's leader
    List<ProcessHandle> tree =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> leader.descendants().toList(), d -> !d.isEmpty());
    AgentJournal journal = journalRunning(id);
    TestProbe<OrphanRecovery.Recovered> probe = testKit.createTestProbe();

    testKit.spawn(OrphanRecovery.create(journal, settings, probe.getRef()));
    probe.expectNoMessage(Duration.ofMillis(300));
    assertTrue(leader.isAlive(), "waited for, not killed, while the grace runs");
    time.timePasses(Duration.ofMinutes(2));
    ApplyResult result = recover(journal, probe);

    assertTrue(leader.waitFor(10, TimeUnit.SECONDS));
    for (ProcessHandle member : tree) {
      assertFalse(ProcessTree.isRunning(member), "group member " + member.pid() + " killed");
    }
    String message = interruption(result);
    assertTrue(message.startsWith(InterruptedApply.PREFIX), message);
    assertTrue(message.contains("pid " + leader.pid()), message);
    assertTrue(message.contains("its process tree was killed"), message);
  }

  @Test
  void anApplyThatEndsWithinTheGraceIsWaitedForAndNotKilled() throws Exception {
    Process leader = leaderWithChild("while [ ! -f stop ]; do sleep 0.05; done; kill $!");
    AgentJournal journal = journalRunning(identity(leader));
    TestProbe<OrphanRecovery.Recovered> probe = testKit.createTestProbe();

    testKit.spawn(OrphanRecovery.create(journal, settings, probe.getRef()));
    probe.expectNoMessage(Duration.ofMillis(300));
    Files.writeString(dir.resolve("stop"), "");
    ApplyResult result = recover(journal, probe);

    assertEquals(0, leader.waitFor(10, TimeUnit.SECONDS) ? leader.exitValue() : -1);
    assertTrue(interruption(result).contains("ended while the restarted agent waited"));
  }

  @Test
  void anApplyWhoseCommandHadEndedIsReportedAtOnce() throws Exception {
    Process gone = new ProcessBuilder("setsid", "true").start();
    ProcessTree.Identity id = ProcessTree.Identity.of(gone.toHandle());
    assertEquals(0, gone.waitFor());
    AgentJournal journal = journalRunning(id);
    TestProbe<OrphanRecovery.Recovered> probe = testKit.createTestProbe();

    testKit.spawn(OrphanRecovery.create(journal, settings, probe.getRef()));

    assertTrue(interruption(recover(journal, probe)).contains("had already ended"));
  }

  @Test
  void aReusedPidIsNeverTakenForTheCommand() throws Exception {
    Process stranger = leaderWithChild("wait");
    ProcessTree.Identity real = identity(stranger);
    // The journal's process had this pid but started at another time: it is not this process.
    ProcessTree.Identity recorded =
        new ProcessTree.Identity(real.pid(), real.startTicks() - 1, real.startedAt());
    AgentJournal journal = journalRunning(recorded);
    TestProbe<OrphanRecovery.Recovered> probe = testKit.createTestProbe();

    testKit.spawn(OrphanRecovery.create(journal, settings, probe.getRef()));
    ApplyResult result = recover(journal, probe);
    time.timePasses(Duration.ofMinutes(5));

    assertTrue(interruption(result).contains("had already ended"));
    Thread.sleep(200);
    assertTrue(stranger.isAlive(), "the process that has the pid now is left alone");
  }

  @Test
  void nothingIsDoneWhenNoApplyWasRunning() {
    AgentJournal journal = AgentJournal.open(dir.resolve("agent-journal.json"));
    TestProbe<OrphanRecovery.Recovered> probe = testKit.createTestProbe();

    testKit.spawn(OrphanRecovery.create(journal, settings, probe.getRef()));

    probe.expectMessage(OrphanRecovery.Recovered.INSTANCE);
    assertTrue(journal.state().results().isEmpty());
  }

  @Test
  void anApplyBetweenCommandsIsReportedAsInterrupted() {
    AgentJournal journal = journalRunning(null);
    TestProbe<OrphanRecovery.Recovered> probe = testKit.createTestProbe();

    testKit.spawn(OrphanRecovery.create(journal, settings, probe.getRef()));

    probe.expectMessage(Duration.ofSeconds(20), OrphanRecovery.Recovered.INSTANCE);
    ExecutorOutcome install = journal.state().results().get(0).result().task().executors().get(1);
    assertEquals(Outcome.ERROR, install.check().outcome());
    assertTrue(install.check().message().contains("had not started a command"));
  }
}

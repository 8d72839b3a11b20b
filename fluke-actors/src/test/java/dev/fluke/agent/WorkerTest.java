package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.LoggingTestKit;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.ServerMessage.ApplyRequest;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker on its own: the link (apply output) and the result delivery (every answer) are probes.
 */
class WorkerTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;
  private final Script script = new Script();
  private final TestProbe<ServerLink.Command> link = testKit.createTestProbe();
  private final TestProbe<ResultDelivery.Command> results = testKit.createTestProbe();
  private AgentJournal journal;
  private ActorRef<Worker.Command> worker;

  @BeforeEach
  void start() {
    AgentSettings settings = AgentSettings.create(ConfigFactory.load()).withName("web-01");
    journal = AgentJournal.open(dir.resolve("agent-journal.json"));
    TaskRunner runner = new TaskRunner(script.executors("shell", "mise"), settings.exec());
    worker =
        testKit.spawn(
            Worker.create(
                settings,
                runner,
                journal,
                new WorkLane(),
                Clock.systemUTC(),
                new Worker.Outputs(link.getRef(), results.getRef())));
  }

  private static ApplyRequest gatedApply(long cycle) {
    return new ApplyRequest(
        cycle,
        task(
            "upgrade",
            block("shell", "a", "check", "drifted,satisfied", "gate", "g", "process", "y")));
  }

  private CheckReport checkDone() {
    return results.expectMessageClass(ResultDelivery.CheckDone.class).report();
  }

  @Test
  void aCheckIsAnsweredToTheLinkAndAnApplyResultGoesToTheDeliveryKeptInTheJournal() {
    worker.tell(new Worker.Enqueue(1, new CheckRequest(4, List.of(task("t", block("mise", "m"))))));
    assertEquals(4, checkDone().cycleId());

    worker.tell(
        new Worker.Enqueue(
            1, new ApplyRequest(5, task("t", block("shell", "a", "check", "drifted,satisfied")))));
    ResultDelivery.Finished finished = results.expectMessageClass(ResultDelivery.Finished.class);

    assertEquals(1, finished.connId());
    assertEquals(5, finished.result().result().cycleId());
    assertFalse(finished.result().result().late());
    assertEquals(List.of(finished.result()), journal.state().results());
    assertNull(journal.state().running());
  }

  @Test
  void theRunningApplyIsInTheJournalWithTheProcessItRuns() throws Exception {
    worker.tell(new Worker.Enqueue(1, gatedApply(6)));
    script.gate("g").awaitEntered();

    AgentJournal.RunningApply running = journal.state().running();
    assertEquals(6, running.cycleId());
    assertEquals("upgrade", running.task());
    assertEquals(Phase.APPLY, running.process().phase());
    assertEquals(0, running.process().block());
    assertEquals(ProcessHandle.current().pid(), running.process().process().pid());

    script.gate("g").open();
    results.expectMessageClass(ResultDelivery.Finished.class);
    assertNull(journal.state().running());
  }

  @Test
  void drainingDropsTheQueueTakesNoNewWorkAndRepliesOnceTheRunningRequestEnded() throws Exception {
    TestProbe<Worker.Drained> drained = testKit.createTestProbe();
    worker.tell(new Worker.Enqueue(1, gatedApply(7)));
    script.gate("g").awaitEntered();
    worker.tell(new Worker.Enqueue(1, new CheckRequest(8, List.of(task("q", block("mise", "q"))))));

    worker.tell(new Worker.Drain(drained.getRef()));
    worker.tell(new Worker.Enqueue(1, new CheckRequest(9, List.of(task("n", block("mise", "n"))))));
    drained.expectNoMessage(Duration.ofMillis(200));
    script.gate("g").open();

    assertEquals(
        7, results.expectMessageClass(ResultDelivery.Finished.class).result().result().cycleId());
    drained.expectMessage(Worker.Drained.INSTANCE);
    results.expectNoMessage(Duration.ofMillis(200));
    assertFalse(script.journal().contains("mise:q:check"));
    assertFalse(script.journal().contains("mise:n:check"));
  }

  @Test
  void queuedRequestsAreAnsweredWithErrorsWhenTheWorkerStopsAndTheRunningOneAnswersItself()
      throws Exception {
    worker.tell(new Worker.Enqueue(1, gatedApply(10)));
    script.gate("g").awaitEntered();
    worker.tell(
        new Worker.Enqueue(1, new CheckRequest(11, List.of(task("q", block("mise", "q"))))));
    worker.tell(
        new Worker.Enqueue(
            1, new ApplyRequest(12, task("r", block("shell", "r", "check", "drifted")))));
    // Once it has logged this, both requests above wait in its queue (stopping overtakes messages).
    LoggingTestKit.info("Cycle 99 cancelled")
        .expect(
            testKit.system(),
            () -> {
              worker.tell(new Worker.CancelCycle(1, 99));
              return null;
            });

    testKit.stop(worker);

    CheckReport queuedCheck = checkDone();
    assertEquals(11, queuedCheck.cycleId());
    assertEquals(Outcome.ERROR, queuedCheck.tasks().get(0).executors().get(0).check().outcome());
    assertTrue(
        queuedCheck.tasks().get(0).executors().get(0).check().message().contains("worker stopped"));
    ApplyResult queuedApply =
        results.expectMessageClass(ResultDelivery.Finished.class).result().result();
    assertEquals(12, queuedApply.cycleId());
    assertEquals(Outcome.ERROR, queuedApply.task().executors().get(0).check().outcome());

    script.gate("g").open();
    ResultDelivery.Finished running = results.expectMessageClass(ResultDelivery.Finished.class);
    assertEquals(10, running.result().result().cycleId());
    assertEquals(
        Outcome.APPLIED, running.result().result().task().executors().get(0).apply().outcome());
    assertFalse(script.journal().contains("mise:q:check"));
  }
}

package dev.fluke.agent;

import static dev.fluke.agent.Specs.block;
import static dev.fluke.agent.Specs.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.ScriptedConnector.Link;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.Behaviors;
import dev.fluke.agent.actor.Done;
import dev.fluke.agent.actor.LoggingTestKit;
import dev.fluke.agent.actor.ManualTime;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.ServerMessage.ApplyRequest;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent as the parent of its parts: recovery before connecting, a worker that fails. */
class AgentTest {
  static final ManualTime time = new ManualTime();
  static final ActorTestKit testKit = ActorTestKit.create(time);

  /** The cycle of a request that makes the scripted worker throw. */
  static final long POISON = 666;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;
  private final Script script = new Script();
  private final ScriptedConnector server = new ScriptedConnector();
  private final AgentSettings settings =
      AgentSettings.create(ConfigFactory.load()).withName("web-01");
  private final AtomicInteger workersMade = new AtomicInteger();
  private ActorRef<Agent.Command> agent;
  private Process orphan;

  @AfterEach
  void stop() {
    if (agent != null) {
      TestProbe<Done> done = testKit.createTestProbe();
      agent.tell(new Agent.Stop(done.getRef()));
      done.expectMessage(Done.getInstance());
    }
    if (orphan != null) {
      orphan.destroyForcibly();
    }
  }

  private void start(AgentJournal journal) {
    TaskRunner runner = new TaskRunner(script.executors("shell", "mise"), settings.exec());
    WorkLane lane = new WorkLane();
    Clock clock = Clock.systemUTC();
    agent =
        testKit.spawn(
            Agent.create(
                new AgentMeans(
                    settings,
                    List.of(server),
                    runner.types(),
                    journal,
                    lane,
                    clock,
                    new SplittableRandom(),
                    outputs -> {
                      workersMade.incrementAndGet();
                      return Behaviors.intercept(
                          AgentTest::failOnPoison,
                          Worker.create(settings, runner, journal, lane, clock, outputs));
                    })));
  }

  /** Makes a worker throw on a request of cycle {@link #POISON}, as a bug would. */
  static void failOnPoison(Worker.Command msg) {
    if (msg instanceof Worker.Enqueue e
        && e.request() instanceof CheckRequest c
        && c.cycleId() == POISON) {
      throw new IllegalStateException("scripted worker failure");
    }
  }

  private Link registered() throws InterruptedException {
    Link link = server.nextLink();
    link.register();
    return link;
  }

  @Test
  void aFailedWorkerIsReplacedAndTheNewOneStartsNothingBeforeTheOldOnesApplyHasEnded()
      throws Exception {
    start(AgentJournal.inMemory());
    Link link = registered();
    link.send(
        new ApplyRequest(
            1, task("upgrade", block("shell", "a", "check", "drifted,satisfied", "gate", "g"))));
    script.gate("g").awaitEntered();
    link.send(new CheckRequest(2, List.of(task("queued", block("mise", "q")))));

    LoggingTestKit.error("The agent's worker stopped unexpectedly")
        .expect(
            testKit.system(),
            () -> {
              link.send(new CheckRequest(POISON, List.of(task("x", block("mise", "x")))));
              return null;
            });
    // What was queued is answered with an error at once.
    CheckReport queued = link.next(CheckReport.class);
    assertEquals(2, queued.cycleId());
    assertEquals(Outcome.ERROR, queued.tasks().get(0).executors().get(0).check().outcome());
    // A request while the replacement waits for its backoff waits too.
    link.send(new CheckRequest(3, List.of(task("after", block("mise", "m")))));
    // Manual time moves 300 ms per poll until the backoff is over and a new worker took over.
    Awaitility.await("a new worker took over")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              time.timePasses(Duration.ofMillis(300));
              return workersMade.get() >= 2;
            });
    assertEquals(2, workersMade.get(), "a new worker took over");
    Thread.sleep(200);
    assertFalse(script.journal().contains("mise:m:check"), "nothing beside the running apply");

    script.gate("g").open();
    ApplyResult applied = link.next(ApplyResult.class);
    CheckReport after = link.next(CheckReport.class);

    assertEquals(1, applied.cycleId());
    assertEquals(Outcome.APPLIED, applied.task().executors().get(0).apply().outcome());
    assertEquals(3, after.cycleId());
    assertEquals(1, script.maxInFlight(), "never two at once");
  }

  @Test
  void anApplyAPreviousProcessLeftRunningIsDealtWithBeforeTheAgentConnects() throws Exception {
    orphan = new ProcessBuilder("setsid", "sleep", "600").start();
    // setsid has made it the leader of its group once its group id is its pid
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> ProcessTree.stat(orphan.pid()).map(s -> s.pgrp() == orphan.pid()).orElse(false));
    ProcessTree.Identity id = ProcessTree.Identity.of(orphan.toHandle());
    AgentJournal journal = AgentJournal.open(dir.resolve("agent-journal.json"));
    journal.applyStarted(21, task("upgrade", block("shell", "install")), Instant.now());
    journal.processStarted(new AgentJournal.RunningProcess(0, Phase.APPLY, id));

    start(journal);
    Thread.sleep(300);
    assertEquals(0, server.attempts(), "no connection while the orphan may still finish");
    time.timePasses(settings.stopGrace());
    Link link = server.nextLink();
    link.register();
    ApplyResult reported = link.next(ApplyResult.class);

    assertTrue(orphan.waitFor(10, TimeUnit.SECONDS), "its process tree was killed");
    assertTrue(reported.late());
    assertEquals(21, reported.cycleId());
    String message = reported.task().executors().get(0).apply().message();
    assertTrue(message.contains("its process tree was killed"), message);
    link.ack(reported);
    AgentRuntimeTest.eventually(() -> journal.state().results().isEmpty());
  }
}

package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.fluke.agent.actor.ActorRef;
import dev.fluke.agent.actor.ActorTestKit;
import dev.fluke.agent.actor.TestProbe;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Result delivery on its own: the connection is a probe, the journal a real file. */
class ResultDeliveryTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;
  private final TestProbe<Connection.Command> link = testKit.createTestProbe();
  private final TestProbe<ResultDelivery.CaughtUp> caughtUp = testKit.createTestProbe();
  private final TestProbe<ResultDelivery.Delivered> delivered = testKit.createTestProbe();
  private AgentJournal journal;

  @BeforeEach
  void openJournal() {
    journal = AgentJournal.open(dir.resolve("agent-journal.json"));
  }

  private ActorRef<ResultDelivery.Command> start(String config) {
    AgentSettings settings =
        AgentSettings.create(ConfigFactory.parseString(config).withFallback(ConfigFactory.load()))
            .withName("web-01");
    return testKit.spawn(ResultDelivery.create(settings, journal));
  }

  private static ApplyResult result(long cycle, String task) {
    return new ApplyResult(cycle, new TaskOutcome(task, List.of()), false);
  }

  private void register(ActorRef<ResultDelivery.Command> delivery, long connId) {
    delivery.tell(new ResultDelivery.Registered(connId, link.getRef(), caughtUp.getRef()));
  }

  private ApplyResult sentLate() {
    Connection.Send send = link.expectMessageClass(Connection.Send.class);
    ApplyResult r = (ApplyResult) send.message();
    assertTrue(r.late());
    return r;
  }

  @Test
  void aResultIsSentOnItsConnectionAndKeptUntilTheServerAcknowledgesIt() throws Exception {
    ActorRef<ResultDelivery.Command> delivery = start("");
    register(delivery, 1);
    caughtUp.expectMessage(ResultDelivery.CaughtUp.INSTANCE);
    OutputLines output = new OutputLines(10, 100);

    delivery.tell(new ResultDelivery.Finished(1, journal.keep(result(3, "t")), output));
    Connection.Send sent = link.expectMessageClass(Connection.Send.class);
    assertEquals(result(3, "t"), sent.message());
    assertEquals(output, sent.output());
    delivery.tell(new ResultDelivery.AwaitDelivered(delivered.getRef()));
    delivered.expectNoMessage(Duration.ofMillis(100));

    delivery.tell(new ResultDelivery.Acknowledged(2, 3, "t"));
    delivered.expectNoMessage(Duration.ofMillis(100));
    delivery.tell(new ResultDelivery.Acknowledged(1, 3, "t"));

    delivered.expectMessage(ResultDelivery.Delivered.INSTANCE);
    AgentRuntimeTest.eventually(() -> journal.state().results().isEmpty());
  }

  @Test
  void resultsFinishedWhileDisconnectedGoLateOnTheNextRegisteredConnection() {
    ActorRef<ResultDelivery.Command> delivery = start("");
    register(delivery, 1);
    caughtUp.expectMessage(ResultDelivery.CaughtUp.INSTANCE);
    delivery.tell(new ResultDelivery.Disconnected(1));

    delivery.tell(new ResultDelivery.Finished(1, journal.keep(result(4, "a")), null));
    delivery.tell(new ResultDelivery.Finished(1, journal.keep(result(5, "b")), null));
    link.expectNoMessage(Duration.ofMillis(100));
    register(delivery, 2);

    assertEquals("a", sentLate().task().task());
    assertEquals("b", sentLate().task().task());
    caughtUp.expectMessage(ResultDelivery.CaughtUp.INSTANCE);
    // Not twice on one connection.
    register(delivery, 2);
    caughtUp.expectMessage(ResultDelivery.CaughtUp.INSTANCE);
    link.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void resultsAPreviousAgentProcessKeptAreReportedLateOnTheFirstConnection() {
    journal.keep(result(9, "from-before"));

    ActorRef<ResultDelivery.Command> delivery = start("");
    register(delivery, 1);

    assertEquals("from-before", sentLate().task().task());
    caughtUp.expectMessage(ResultDelivery.CaughtUp.INSTANCE);
  }

  @Test
  void aResultReadFromTheJournalAtStartAndForgottenThereIsNotKeptAgainWhenItsFinishArrives() {
    // What a start racing the first results looks like: all three are in the journal when the
    // delivery starts (the oldest is forgotten at once), then their Finished messages arrive.
    AgentJournal.KeptResult a = journal.keep(result(1, "a"));
    AgentJournal.KeptResult b = journal.keep(result(2, "b"));
    AgentJournal.KeptResult c = journal.keep(result(3, "c"));
    ActorRef<ResultDelivery.Command> delivery = start("fluke.agent.max-buffered-late-results = 2");
    for (AgentJournal.KeptResult k : List.of(a, b, c)) {
      delivery.tell(new ResultDelivery.Finished(1, k, null));
    }

    register(delivery, 1);

    assertEquals(List.of("b", "c"), List.of(sentLate().task().task(), sentLate().task().task()));
    AgentRuntimeTest.eventually(() -> !journal.state().results().contains(a));
    assertEquals(List.of(b, c), journal.state().results());
  }

  @Test
  void beyondTheBoundTheOldestResultIsForgottenAlsoInTheJournal() throws Exception {
    ActorRef<ResultDelivery.Command> delivery = start("fluke.agent.max-buffered-late-results = 2");
    AgentJournal.KeptResult a = journal.keep(result(1, "a"));
    delivery.tell(new ResultDelivery.Finished(1, a, null));
    delivery.tell(new ResultDelivery.Finished(1, journal.keep(result(2, "b")), null));
    delivery.tell(new ResultDelivery.Finished(1, journal.keep(result(3, "c")), null));

    register(delivery, 1);

    assertEquals(List.of("b", "c"), List.of(sentLate().task().task(), sentLate().task().task()));
    AgentRuntimeTest.eventually(() -> journal.state().results().size() == 2);
    assertFalse(journal.state().results().contains(a));
  }
}

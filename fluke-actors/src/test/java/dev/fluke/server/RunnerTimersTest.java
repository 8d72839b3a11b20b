package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runner's timers on manual time: an actor makes them, runs a script on them at start and hands
 * every timer that fires to a probe.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunnerTimersTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Duration SHORT = Duration.ofMillis(100);

  @TempDir Path dir;
  private TestTime time;
  private ServerSettings.Reconcile reconcile;
  private TestProbe<CycleRunner.Command> fired;

  @BeforeEach
  void setUp() {
    time = TestTime.of(testKit.system());
    reconcile = ServerFixture.settings(dir, null).reconcile();
    fired = testKit.createTestProbe();
  }

  private void run(Consumer<RunnerTimers> script) {
    testKit.spawn(
        Behaviors.<CycleRunner.Command>withTimers(
            t -> {
              script.accept(new RunnerTimers(t, reconcile));
              return Behaviors.receiveMessage(
                  m -> {
                    fired.ref().tell(m);
                    return Behaviors.same();
                  });
            }));
  }

  @Test
  void aLaterCommitBeforeTheSlotMovesTheSlot() {
    AtomicBoolean now = new AtomicBoolean(true);
    run(
        t -> {
          t.commitIn(Duration.ofSeconds(5));
          now.set(t.commitIn(Duration.ofSeconds(10)));
        });
    fired.expectNoMessage(SHORT);
    assertFalse(now.get());

    time.timePasses(Duration.ofSeconds(5));
    fired.expectNoMessage(SHORT);
    time.timePasses(Duration.ofSeconds(5));
    assertEquals(CycleRunner.Tick.COMMIT, fired.receiveMessage());
  }

  @Test
  void aSlotOfNowStartsTheCycleAtOnceAndDropsTheSlotAhead() {
    AtomicBoolean now = new AtomicBoolean();
    run(
        t -> {
          t.commitIn(Duration.ofSeconds(5));
          now.set(t.commitIn(Duration.ZERO));
        });
    fired.expectNoMessage(SHORT);
    assertTrue(now.get());

    time.timePasses(Duration.ofSeconds(10));
    fired.expectNoMessage(SHORT);
  }

  @Test
  void aFullCycleDropsTheCommitSlotAndTimesOutWhenTheReportIsLate() {
    run(
        t -> {
          t.commitIn(Duration.ofSeconds(5));
          t.starting(true);
          t.checking(7);
        });
    fired.expectNoMessage(SHORT);

    time.timePasses(reconcile.checkTimeout());
    assertEquals(new CycleRunner.CycleTimedOut(7), fired.receiveMessage());
    fired.expectNoMessage(SHORT);
  }

  @Test
  void anEndedCycleHasNoTimeoutAndAFailedOneIsRetriedAfterItsBackoff() {
    run(
        t -> {
          t.applying(8);
          t.ended(Duration.ofSeconds(15), false);
        });
    fired.expectNoMessage(SHORT);

    time.timePasses(Duration.ofSeconds(15));
    assertEquals(CycleRunner.Tick.RETRY, fired.receiveMessage());
    time.timePasses(reconcile.applyTimeout());
    fired.expectNoMessage(SHORT);
  }

  @Test
  void aCycleAfterWhichNoneHasFailedCancelsThePendingRetry() {
    run(
        t -> {
          t.ended(Duration.ofSeconds(15), false);
          t.ended(null, true);
        });
    time.timePasses(Duration.ofSeconds(15));
    fired.expectNoMessage(SHORT);
  }

  @Test
  void aClosedWindowStartsACycleWhenItOpens() {
    run(t -> t.windowOpens(time.clock().instant(), time.clock().instant().plusSeconds(60)));
    fired.expectNoMessage(SHORT);

    time.timePasses(Duration.ofSeconds(60));
    assertEquals(CycleRunner.Tick.WINDOW, fired.receiveMessage());
  }
}

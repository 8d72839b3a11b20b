package dev.fluke.server;

import static dev.fluke.metrics.MetricSamples.value;
import static dev.fluke.server.LineManifestLoader.task;
import static dev.fluke.server.ServerFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.api.Status;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What live viewers see of a real reconcile cycle ({@link FlukeServer#liveFeed()}): events, apply
 * output, agent and manifest changes, the running apply's recent output, and a viewer that never
 * reads.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveFeedTest {

  @JUnit5TestKit
  ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private static final Map<String, String> WEB = Map.of("role", "web");
  private static final String DEPLOY = "shell \"deploy\"";

  @TempDir Path dir;
  private ServerFixture fx;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
      fx = null;
    }
  }

  private void start(ServerSettings settings) {
    fx = new ServerFixture(testKit, settings, task("app", null, "shell:deploy", "role=web"));
    fx.awaitInForce("c1");
  }

  private TestSubscriber.Probe<LiveUpdate> subscribe() {
    return fx.server
        .liveFeed()
        .subscribe()
        .runWith(TestSink.create(testKit.system()), testKit.system());
  }

  /** Reads updates until one matches (which is included); fails after a bounded wait. */
  private static List<LiveUpdate> until(
      TestSubscriber.Probe<LiveUpdate> viewer, Predicate<LiveUpdate> last) {
    List<LiveUpdate> seen = new ArrayList<>();
    while (true) {
      LiveUpdate u = viewer.expectNext(TestAgent.WAIT);
      seen.add(u);
      if (last.test(u)) {
        return seen;
      }
    }
  }

  private static Predicate<LiveUpdate> event(String kind, String outcome) {
    return u ->
        u.kind().equals("event")
            && u.event().kind().equals(kind)
            && u.event().outcome().equals(outcome);
  }

  private static Predicate<LiveUpdate> output(String line) {
    return u -> u.kind().equals("output") && u.line().equals(line);
  }

  private static String describe(LiveUpdate u) {
    return switch (u.kind()) {
      case "event" -> "event " + u.event().kind() + "/" + u.event().outcome();
      case "output" -> "output " + u.task() + " " + u.executor() + ": " + u.line();
      default -> u.kind() + " " + u.agent();
    };
  }

  private List<LiveUpdate> recent(String agent) {
    return await(fx.server.liveFeed().recentOutput(agent));
  }

  @Test
  void aViewerSeesTheEventsOutputAgentAndManifestUpdatesOfACycle() {
    start(ServerFixture.settings(dir, null));
    TestSubscriber.Probe<LiveUpdate> viewer = subscribe();
    viewer.request(1000);

    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    for (int i = 1; i <= 3; i++) {
      agent.send(new AgentMessage.ApplyOutput(apply.cycleId(), "app", DEPLOY, "step " + i));
    }
    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    List<LiveUpdate> seen = until(viewer, event("verify", "satisfied"));

    // The session's own story is in order: its events and its output lines as they happened.
    assertEquals(
        List.of(
            "event agent/connected",
            "event check/drifted",
            "output app " + DEPLOY + ": step 1",
            "output app " + DEPLOY + ": step 2",
            "output app " + DEPLOY + ": step 3",
            "event check/drifted",
            "event apply/applied",
            "event verify/satisfied"),
        seen.stream()
            .filter(u -> u.kind().equals("event") || u.kind().equals("output"))
            .map(LiveFeedTest::describe)
            .toList());
    assertTrue(seen.stream().allMatch(u -> u.agent().equals("web-01")), "only web-01 was active");
    assertTrue(seen.stream().anyMatch(u -> u.kind().equals("agent")), "connected: " + seen);
    LiveUpdate applied = seen.stream().filter(event("apply", "applied")).findFirst().orElseThrow();
    assertEquals("app", applied.task());
    assertEquals(DEPLOY, applied.executor());

    // The agent's status change (the cycle went idle, the task satisfied) is published too.
    ServerFixture.eventually(
        () -> await(fx.api.agents()).get(0),
        a -> a.cycle() == CyclePhase.IDLE && a.counts().satisfied() == 1);
    LiveUpdate marker = LiveUpdate.manifestChanged();
    ((LiveHub) fx.server.liveFeed()).publish(marker);
    List<LiveUpdate> after = until(viewer, u -> u == marker);
    assertTrue(
        after.stream().anyMatch(u -> u.kind().equals("agent") && u.agent().equals("web-01")),
        after.toString());

    // The last apply's lines stay available to a viewer that comes later: the very updates sent
    // live.
    assertEquals(seen.stream().filter(u -> u.kind().equals("output")).toList(), recent("web-01"));

    // A new commit: its manifest event and the manifest change, then the new cycle it triggers.
    fx.commit(
        "c2",
        task("app", null, "shell:deploy", "role=web"),
        task("db", null, "shell:migrate", "role=db"));
    fx.server.fetchNow();
    List<LiveUpdate> onCommit = until(viewer, u -> u.kind().equals("manifest"));
    assertTrue(onCommit.stream().anyMatch(event("manifest", "loaded")), onCommit.toString());
    assertEquals("", onCommit.get(onCommit.size() - 1).agent());
    agent.expectCheck("app");
  }

  @Test
  void recentOutputHoldsTheRunningApplysLinesInOrder() {
    start(ServerFixture.settings(dir, null));
    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    assertEquals(List.of(), recent("web-01"), "nothing printed yet");
    for (int i = 1; i <= 4; i++) {
      agent.send(new AgentMessage.ApplyOutput(apply.cycleId(), "app", DEPLOY, "line " + i));
    }
    agent.roundTrip(); // every line above has been taken in
    List<LiveUpdate> lines = recent("web-01");
    assertEquals(
        List.of("line 1", "line 2", "line 3", "line 4"),
        lines.stream().map(LiveUpdate::line).toList());
    assertTrue(
        lines.stream()
            .allMatch(
                u ->
                    u.task().equals("app")
                        && u.executor().equals(DEPLOY)
                        && u.kind().equals("output")
                        && u.agent().equals("web-01")));
    assertEquals(List.of(), recent("db-01"));

    // Lines of an apply given up on (an old cycle) are not mixed into the next one.
    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    assertTrue(await(fx.api.reconcile(Dto.ReconcileTarget.agent("web-01"))).accepted());
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest second = agent.expectApply("app");
    agent.send(
        new AgentMessage.ApplyOutput(
            apply.cycleId(), "app", DEPLOY, "stale line of the first apply"));
    agent.send(new AgentMessage.ApplyOutput(second.cycleId(), "app", DEPLOY, "second apply"));
    agent.roundTrip();
    assertEquals(List.of("second apply"), recent("web-01").stream().map(LiveUpdate::line).toList());
  }

  @Test
  void aViewerThatNeverReadsHoldsUpNeitherTheServerNorOtherViewers() {
    start(ServerFixture.settings(dir, null).withLive(new ServerSettings.Live(8, 50, 10)));
    LiveHub hub = (LiveHub) fx.server.liveFeed();
    TestSubscriber.Probe<LiveUpdate> stuck = subscribe(); // subscribed, never asks for anything
    TestSubscriber.Probe<LiveUpdate> reader = subscribe();
    reader.request(10_000);
    List<LiveUpdate> read = new ArrayList<>();

    TestAgent agent = fx.connect("web-01", WEB);
    agent.reportCheck(agent.expectCheck("app"), Map.of("app", Outcome.DRIFTED));
    ServerMessage.ApplyRequest apply = agent.expectApply("app");
    read.addAll(until(reader, event("check", "drifted")));
    // Far more than the stuck viewer's buffer; the reader keeps up line by line (its buffer is 8
    // too).
    for (int i = 1; i <= 40; i++) {
      agent.send(new AgentMessage.ApplyOutput(apply.cycleId(), "app", DEPLOY, "line " + i));
      read.addAll(until(reader, output("line " + i)));
    }
    agent.reportApply(apply, Outcome.APPLIED, Outcome.SATISFIED);
    read.addAll(until(reader, event("verify", "satisfied")));
    agent.roundTrip();
    assertEquals(Status.SATISFIED, fx.status("web-01", "app").status(), "the cycle ran to its end");
    assertEquals(
        40,
        read.stream().filter(u -> u.kind().equals("output")).count(),
        "the reader lost nothing");
    assertTrue(
        value(fx.metrics, "fluke_live_updates_dropped_total") >= 40,
        "the stuck viewer's updates were dropped, not queued");

    // All the stuck viewer holds is its buffer: the first 8 updates; after them it is live again.
    stuck.request(100);
    assertEquals(read.subList(0, 8), next(stuck, 8));
    LiveUpdate marker = LiveUpdate.agentChanged("marker");
    hub.publish(marker);
    LiveUpdate lost = stuck.expectNext(TestAgent.WAIT);
    assertEquals("lost", lost.kind(), "told that it missed updates");
    assertTrue(lost.count() >= 40, lost.toString());
    assertSame(marker, stuck.expectNext(TestAgent.WAIT));
  }

  private static List<LiveUpdate> next(TestSubscriber.Probe<LiveUpdate> viewer, int n) {
    List<LiveUpdate> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(viewer.expectNext(TestAgent.WAIT));
    }
    return got;
  }
}

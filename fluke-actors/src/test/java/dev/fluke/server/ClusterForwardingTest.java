package dev.fluke.server;

import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.PartialFleet;
import dev.fluke.api.Status;
import dev.fluke.cluster.ClusterNodes;
import dev.fluke.exec.Outcome;
import dev.fluke.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One control plane over three nodes (real Artery on loopback, three full engines): any node
 * answers for an agent held by another one (detail, reconcile), a reconcile of the fleet or of a
 * task starts on every node, and tasks and drift are merged from every node's view; a node that
 * does not answer is named.
 */
class ClusterForwardingTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  private static ClusterEngines engines;
  private static ClusterNodes nodes;
  private static List<FlukeServer> servers;
  private static final List<TestAgent> agents = new ArrayList<>();

  @BeforeAll
  static void start() {
    engines =
        ClusterEngines.start(
            tmp, 3, task("app", "alert_only", "shell:x", "role=web"), ClusterEngines.PARTITIONABLE);
    nodes = engines.nodes;
    servers = engines.servers;
    // One agent per node, web-0 on node 0 …: each checks app; web-1 reports it drifted.
    agents.addAll(engines.oneAgentPerNode(i -> i == 1 ? Outcome.DRIFTED : Outcome.SATISFIED));
  }

  @AfterAll
  static void stop() {
    engines.close();
  }

  @BeforeEach
  void everyNodeReachable() {
    engines.awaitEveryNodeReachable();
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  /**
   * Plays agent {@code i}'s manual cycle: app is satisfied, except on web-1 where it is drifted and
   * its apply (manual: whatever the policy) fails, so it stays in the drift list.
   */
  private static void cycle(int i) {
    TestAgent a = agents.get(i);
    if (i != 1) {
      a.reportCheck(a.expectCheck("app"), Map.of("app", Outcome.SATISFIED));
      return;
    }
    // web-1's failed task may also be checked again on its own (a retry, never applied under
    // alert_only): answer checks until the manual cycle's apply comes.
    while (true) {
      ServerMessage m = a.next();
      if (m instanceof ServerMessage.CheckRequest check) {
        a.reportCheck(check, Map.of("app", Outcome.DRIFTED));
      } else if (m instanceof ServerMessage.ApplyRequest apply) {
        a.reportApply(apply, Outcome.FAILED, null);
        return;
      }
    }
  }

  @Test
  void anyNodeAnswersWithTheDetailOfAnAgentHeldByAnotherNode() {
    for (int from = 0; from < 3; from++) {
      int f = from;
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Dto.AgentDetail d = join(servers.get(f).fleetApi().agent("web-1")).orElseThrow();
                assertTrue(d.agent().connected());
                assertEquals(nodes.address(1), d.agent().node());
                Status app = d.tasks().get(0).status();
                assertTrue(app == Status.DRIFTED || app == Status.FAILED, app.toString());
              });
    }
    assertTrue(join(servers.get(0).fleetApi().agent("nobody")).isEmpty());
  }

  @Test
  void aReconcileOfAnAgentOnAnotherNodeStartsItsCycleThere() {
    Dto.ReconcileAccepted a =
        join(servers.get(0).fleetApi().reconcile(Dto.ReconcileTarget.agent("web-2"), false));
    assertTrue(a.accepted(), a.message());
    assertEquals(List.of("web-2"), a.agents());
    cycle(2);

    Dto.ReconcileAccepted none =
        join(servers.get(0).fleetApi().reconcile(Dto.ReconcileTarget.agent("nobody"), false));
    assertFalse(none.accepted());
  }

  @Test
  void aReconcileOfTheFleetStartsOnEveryNode() {
    Dto.ReconcileAccepted a = join(servers.get(1).fleetApi().reconcile(Dto.ReconcileTarget.ALL));
    assertTrue(a.accepted(), a.message());
    assertEquals(List.of("web-0", "web-1", "web-2"), a.agents());
    assertTrue(a.message().startsWith("manual reconcile started on 3 agent(s)"), a.message());
    for (int i = 0; i < 3; i++) {
      cycle(i);
    }
    Dto.ReconcileAccepted task =
        join(servers.get(2).fleetApi().reconcile(Dto.ReconcileTarget.task("app")));
    assertEquals(List.of("web-0", "web-1", "web-2"), task.agents(), task.message());
    for (int i = 0; i < 3; i++) {
      cycle(i);
    }
  }

  @Test
  void tasksAndDriftAreMergedFromEveryNode() {
    for (int from = 0; from < 3; from++) {
      int f = from;
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Dto.Partial<List<Dto.TaskSummary>> tasks =
                    join(((PartialFleet) servers.get(f).fleetApi()).tasksFromEveryNode());
                assertTrue(tasks.complete(), tasks.missingNodes().toString());
                Dto.TaskSummary app = tasks.value().get(0);
                assertEquals(3, app.matchedAgents());
                assertEquals(1, app.counts().drifted());
                List<Dto.DriftEntry> drift = join(servers.get(f).fleetApi().drift());
                assertEquals(List.of("web-1"), drift.stream().map(Dto.DriftEntry::agent).toList());
                Dto.TaskDetail detail = join(servers.get(f).fleetApi().task("app")).orElseThrow();
                assertEquals(
                    List.of("web-0", "web-1", "web-2"),
                    detail.agents().stream().map(Dto.AgentTaskStatus::agent).toList());
              });
    }
  }

  @Test
  void aNodeThatDoesNotAnswerIsNamedInMergedAnswersAndItsAgentIsUnknown() {
    nodes.isolate(2);
    try {
      await().atMost(WAIT).until(() -> nodes.unreachable(0, 2));
      PartialFleet api = (PartialFleet) servers.get(0).fleetApi();
      Dto.Partial<List<Dto.DriftEntry>> drift = join(api.driftFromEveryNode());
      assertEquals(List.of(nodes.address(2)), drift.missingNodes());
      Dto.Partial<List<Dto.TaskSummary>> tasks = join(api.tasksFromEveryNode());
      assertEquals(List.of(nodes.address(2)), tasks.missingNodes());
      assertEquals(2, tasks.value().get(0).matchedAgents());
      Dto.AgentDetail far = join(servers.get(0).fleetApi().agent("web-2")).orElseThrow();
      assertEquals(CyclePhase.UNKNOWN, far.agent().cycle());
      assertTrue(far.historyUnavailable().contains(nodes.address(2)), far.historyUnavailable());
      Dto.ReconcileAccepted all =
          join(servers.get(0).fleetApi().reconcile(Dto.ReconcileTarget.ALL));
      assertTrue(all.message().contains(nodes.address(2)), all.message());
      assertEquals(List.of("web-0", "web-1"), all.agents());
      for (int i = 0; i < 2; i++) {
        cycle(i);
      }
    } finally {
      nodes.heal(2);
    }
  }

  @Test
  void aSuspensionMadeOnOneNodeHoldsOnTheNodeHoldingTheAgentAndIsListedOnceEverywhere() {
    dev.fluke.api.Suspension.Change made =
        join(
            servers
                .get(0)
                .fleetApi()
                .suspend(dev.fluke.api.TargetKind.AGENT, "web-2", "alice", "disk swap", null));
    assertTrue(made.done(), made.message());
    for (int from = 0; from < 3; from++) {
      List<dev.fluke.api.Suspension> all = join(servers.get(from).fleetApi().suspensions());
      assertEquals(1, all.size(), all.toString());
      assertEquals("web-2", all.get(0).name());
    }
    // node 2's own engine holds it: its answer to a reconcile of web-2 says so
    Dto.ReconcileAccepted held =
        join(servers.get(1).fleetApi().reconcile(Dto.ReconcileTarget.agent("web-2"), false));
    assertTrue(held.message().contains("suspended by alice"), held.message());
    cycle(2);

    dev.fluke.api.Suspension.Change resumed =
        join(servers.get(1).fleetApi().resume(dev.fluke.api.TargetKind.AGENT, "web-2", "bob"));
    assertTrue(resumed.done(), resumed.message());
    for (int from = 0; from < 3; from++) {
      assertEquals(List.of(), join(servers.get(from).fleetApi().suspensions()));
    }
    Dto.ReconcileAccepted free =
        join(servers.get(0).fleetApi().reconcile(Dto.ReconcileTarget.agent("web-2"), false));
    assertFalse(free.message().contains("suspended"), free.message());
    cycle(2);
  }
}

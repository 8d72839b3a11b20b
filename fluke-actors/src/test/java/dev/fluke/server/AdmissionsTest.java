package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.protocol.AgentMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Who may register, the cluster's epochs and fences, as the registry applies them. */
class AdmissionsTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /**
   * A cluster directory that admits with the next epoch and records what it is told; with {@code
   * holdWrites}, the write of a received result completes only when the test completes it ({@code
   * writes}).
   */
  static final class RecordingDirectory implements AgentAdmission {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> writes = new CopyOnWriteArrayList<>();
    volatile boolean holdWrites;

    /** Admissions answered only when the test completes them ({@code admissions}). */
    volatile boolean holdAdmissions;

    final List<CompletableFuture<Decision>> admissions = new CopyOnWriteArrayList<>();
    long epoch = 6;

    @Override
    public boolean local() {
      return false;
    }

    @Override
    public void attach(ActorRef<AgentRegistry.Command> registry) {}

    @Override
    public CompletionStage<Decision> admit(
        String name, String resumes, String token, boolean moved) {
      calls.add("admit " + name + (moved ? " (moved)" : ""));
      if (holdAdmissions) {
        CompletableFuture<Decision> held = new CompletableFuture<>();
        admissions.add(held);
        return held;
      }
      return CompletableFuture.completedFuture(Decision.admitted(++epoch));
    }

    @Override
    public void released(String name, long epoch) {
      calls.add("released " + name + " " + epoch);
    }

    @Override
    public void abandoned(String name) {
      calls.add("abandoned " + name);
    }

    @Override
    public CompletionStage<Void> received(String name, String key) {
      calls.add("received " + name + " " + key);
      if (!holdWrites) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> write = new CompletableFuture<>();
      writes.add(write);
      return write;
    }

    /** Another node recorded result {@code 5/app} of every agent, and no other. */
    @Override
    public CompletionStage<Boolean> recorded(String name, String key) {
      calls.add("recorded? " + name + " " + key);
      return CompletableFuture.completedFuture(key.equals("5/app"));
    }
  }

  /** The cluster's decision on web-01's registration. */
  private static AgentAdmission.Decision admitWeb01(Admissions a) throws Exception {
    return a.admit(new AgentMessage.Register("web-01", Map.of(), "1", List.of()), "t")
        .toCompletableFuture()
        .get();
  }

  private static AgentDirectory.Live live(String name) {
    return new AgentDirectory.Live(
        KIT.<AgentSession.Command>createTestProbe().ref(),
        new Dto.AgentSummary(
            name, Map.of(), "1", true, T, T, CyclePhase.IDLE, null, Dto.StatusCounts.EMPTY, 0),
        "10.0.0.7:5000",
        KIT.<Outbound>createTestProbe().ref());
  }

  @Test
  void aSecondLiveAgentWithTheSameNameIsRefusedWithTheFirstOnesPeerAndTime() {
    Admissions a = new Admissions(AgentAdmission.LOCAL);
    assertNull(a.problem("web-01", null, 3));
    String why = a.problem("web-01", live("web-01"), 3);
    assertTrue(why.contains("already connected (from 10.0.0.7:5000 since " + T), why);
    assertTrue(why.contains("evicted after 3 missed heartbeats"), why);
    assertNotNull(a.problem("bad name!", null, 3), "names are checked first");
  }

  @Test
  void onASingleServerCycleIdsStartAtTheConnectionNumberAndNothingIsReleased() {
    Admissions a = new Admissions(AgentAdmission.LOCAL);
    assertTrue(a.local());
    ReceivedResults received = received();
    long base = a.accepted("web-01", AgentAdmission.Decision.admitted(0), received, 3);
    assertEquals(3L << 32, base);
    assertFalse(received.lookUp(5, "app", true), "one server has every result it received");
    a.ended("web-01");
    assertNull(a.fence("web-01", 9, "node-b", true), "a single server has no epochs to fence");
  }

  @Test
  void aRegistrationBeingCheckedWithTheClusterHoldsTheNameUntilDecided() throws Exception {
    RecordingDirectory dir = new RecordingDirectory();
    Admissions a = new Admissions(dir);
    AgentAdmission.Decision d = admitWeb01(a);
    assertTrue(a.admitting("web-01"));
    assertTrue(a.problem("web-01", null, 3).contains("already being checked with the cluster"));
    a.decided("web-01");
    assertFalse(a.admitting("web-01"));
    assertNull(a.problem("web-01", null, 3));
    assertEquals(7, d.epoch());
  }

  @Test
  void anAdmittedSessionCountsFromItsEpochLooksUpLateResultsAndIsReleasedWhenItEnds()
      throws Exception {
    RecordingDirectory dir = new RecordingDirectory();
    Admissions a = new Admissions(dir);
    AgentAdmission.Decision d = admitWeb01(a);
    a.decided("web-01");
    ReceivedResults received = received();
    assertEquals(7L << 32, a.accepted("web-01", d, received, 1));
    // A late result not received here is looked up; one of this session's own cycles is not.
    assertTrue(received.lookUp(5, "app", true));
    assertFalse(received.lookUp(5, "app", false));
    assertTrue(received.recordedElsewhere(5, "app").toCompletableFuture().get());
    assertTrue(dir.calls.contains("recorded? web-01 5/app"), dir.calls.toString());
    assertFalse(received.firstTime(5, "app"), "recorded on another node: a duplicate here");
    assertFalse(received.lookUp(5, "app", true), "known here now");
    assertTrue(received.lookUp(6, "app", true));
    assertFalse(received.recordedElsewhere(6, "app").toCompletableFuture().get());
    assertTrue(received.firstTime(6, "app"), "recorded nowhere: recorded here");
    assertTrue(received.firstTime(9, "app"));
    assertTrue(dir.calls.contains("received web-01 9/app"), dir.calls.toString());
    a.ended("web-01");
    assertTrue(dir.calls.contains("released web-01 7"), dir.calls.toString());
    a.ended("web-01");
    assertEquals(1, dir.calls.stream().filter(c -> c.startsWith("released")).count());
  }

  @Test
  void aFenceWithTheSameOrAHigherEpochMakesTheSessionHereStaleALowerOneDoesNot() throws Exception {
    RecordingDirectory dir = new RecordingDirectory();
    Admissions a = new Admissions(dir);
    AgentAdmission.Decision d = admitWeb01(a);
    a.accepted("web-01", d, received(), 1);
    assertNull(a.fence("web-01", 6, "node-b", true), "an older registration elsewhere");
    assertNull(a.fence("web-01", 8, "node-b", false), "no session here");
    String why = a.fence("web-01", 8, "node-b", true);
    assertTrue(why.contains("registered again on node-b (epoch 8 > 7)"), why);
  }

  @Test
  void anAdmissionThatCameTooLateIsGivenBack() throws Exception {
    RecordingDirectory dir = new RecordingDirectory();
    Admissions a = new Admissions(dir);
    AgentAdmission.Decision d = admitWeb01(a);
    a.decided("web-01");
    a.unused("web-01", d);
    assertEquals(List.of("admit web-01", "released web-01 7"), dir.calls);
  }

  private static ReceivedResults received() {
    return new ReceivedResults(8);
  }
}

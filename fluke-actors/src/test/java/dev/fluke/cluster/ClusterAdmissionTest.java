package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.server.AgentAdmission;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ClusterAdmissionTest {
  private static final String B = "pekko://fluke-server@10.0.0.2:7072";
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void eachCallIsOneMessageToTheDirectoryAnsweredThroughItsFuture() throws Exception {
    TestProbe<AgentLocations.Command> directory = KIT.createTestProbe();
    TestProbe<ClusterReceipts.Command> receipts = KIT.createTestProbe();
    AgentAdmission admission = AgentLocations.admission(directory.getRef(), receipts.getRef());
    assertFalse(admission.local());

    CompletionStage<AgentAdmission.Decision> decision = admission.admit("web-01", "r", "t");
    AgentLocations.Admit admit = directory.expectMessageClass(AgentLocations.Admit.class);
    assertEquals("web-01", admit.name());
    assertEquals("r", admit.resumes());
    assertEquals("t", admit.token());
    admit.answer().complete(ClusterAdmission.admitted(new AgentLocation(B, 4, true)));
    assertEquals(AgentAdmission.Decision.admitted(4), decision.toCompletableFuture().get());

    admission.released("web-01", 4);
    assertEquals(
        new AgentLocations.Release("web-01", 4),
        directory.expectMessageClass(AgentLocations.Release.class));

    CompletionStage<Void> recorded = admission.received("web-01", "9/web");
    ClusterReceipts.Record received = receipts.expectMessageClass(ClusterReceipts.Record.class);
    assertEquals("9/web", received.key());
    assertFalse(recorded.toCompletableFuture().isDone());
    received.done().complete(null);
    assertTrue(recorded.toCompletableFuture().isDone());

    CompletionStage<Boolean> found = admission.recorded("web-01", "8/web");
    ClusterReceipts.Check check = receipts.expectMessageClass(ClusterReceipts.Check.class);
    assertEquals(new ClusterReceipts.Check("web-01", "8/web", check.answer()), check);
    check.answer().complete(true);
    assertTrue(found.toCompletableFuture().get());
    directory.expectNoMessage(java.time.Duration.ofMillis(50));
  }

  @Test
  void refusalsSayWhyAndWhetherToRetry() {
    AgentAdmission.Decision live = ClusterAdmission.heldElsewhere("web-01", B, true);
    assertFalse(live.admitted());
    assertEquals("an agent named web-01 is already connected to server node " + B, live.refusal());

    String silent = ClusterAdmission.heldElsewhere("web-01", B, null).refusal();
    assertTrue(silent.contains("held by server node " + B) && silent.endsWith("; retry"), silent);

    String unread = ClusterAdmission.unreadable(Duration.ofSeconds(5)).refusal();
    assertTrue(unread.contains("cannot be read") && unread.endsWith("; retry"), unread);
    String unrecorded = ClusterAdmission.unrecorded(Duration.ofSeconds(5)).refusal();
    assertTrue(unrecorded.contains("could not record") && unrecorded.endsWith("; retry"));
    assertEquals(
        "this server node reaches 1 of the cluster's 3 nodes, no majority: it cannot admit agents;"
            + " retry another node",
        ClusterAdmission.noMajority(new DirectoryPatience.Reach(1, 3)).refusal());
  }
}

package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.pekko.cluster.ddata.LWWRegister;
import org.junit.jupiter.api.Test;

class LocationEntriesTest {
  private static final String A = "pekko://fluke-server@10.0.0.1:7072";
  private static final String B = "pekko://fluke-server@10.0.0.2:7072";

  @Test
  void aFirstAdmissionTakesTheDecidedEpoch() {
    assertEquals(new AgentLocation(A, 1, true), LocationEntries.admitted(null, A, 1, null));
  }

  @Test
  void anAdmissionNeverReusesAnEpoch() {
    AgentLocation before = new AgentLocation(B, 4, false);
    assertEquals(new AgentLocation(A, 5, true), LocationEntries.admitted(before, A, 5, null));
    // Another node admitted the agent with epoch 6 after this node decided on 5.
    AgentLocation meanwhile = new AgentLocation(B, 6, true);
    assertEquals(new AgentLocation(A, 7, true), LocationEntries.admitted(meanwhile, A, 5, null));
  }

  @Test
  void onlyThisNodesEntryOfTheSameEpochIsItsOwnToChange() {
    assertTrue(LocationEntries.ownInForce(new AgentLocation(A, 3, true), A, 3));
    assertFalse(LocationEntries.ownInForce(new AgentLocation(A, 4, true), A, 3));
    assertFalse(LocationEntries.ownInForce(new AgentLocation(B, 3, true), A, 3));
    assertFalse(LocationEntries.ownInForce(null, A, 3));
  }

  @Test
  void aHigherEpochAlwaysGetsALaterTimestampAndUpdatesWithinAnEpochGrow() {
    LWWRegister.Clock<AgentLocation> clock = LocationEntries.clock();
    AgentLocation epoch3 = new AgentLocation(A, 3, true);
    AgentLocation epoch4 = new AgentLocation(B, 4, true);
    long first = clock.apply(0, epoch3);
    long later = clock.apply(first, epoch3.released());
    assertTrue(later > first);
    // Many updates within epoch 3 stay below any timestamp of epoch 4.
    long many = first;
    for (int i = 0; i < 1000; i++) {
      many = clock.apply(many, epoch3);
    }
    assertTrue(clock.apply(0, epoch4) > many);
  }
}

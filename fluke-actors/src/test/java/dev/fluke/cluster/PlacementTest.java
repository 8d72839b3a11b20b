package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final String A = "pekko://fluke-server@10.0.0.1:7072";
  private static final String B = "pekko://fluke-server@10.0.0.2:7072";

  @Test
  void anUnknownAgentIsAdmittedWithTheFirstEpoch() {
    assertEquals(new Placement.Admit(1), Placement.decide(null, A, Placement.NodeState.GONE, null));
  }

  @Test
  void anAgentWhoseSessionEndedOrWasHeldHereIsAdmittedWithTheNextEpoch() {
    AgentLocation ended = new AgentLocation(B, 4, false);
    assertEquals(
        new Placement.Admit(5), Placement.decide(ended, A, Placement.NodeState.SERVING, null));
    AgentLocation here = new AgentLocation(A, 4, true);
    assertEquals(
        new Placement.Admit(5), Placement.decide(here, A, Placement.NodeState.SERVING, null));
  }

  @Test
  void anAgentHeldByAGoneNodeIsTakenOverWithTheNextEpoch() {
    AgentLocation held = new AgentLocation(B, 4, true);
    assertEquals(new Placement.Admit(5), Placement.decide(held, A, Placement.NodeState.GONE, null));
  }

  @Test
  void anAgentHeldByAServingNodeMakesThatNodeBeAsked() {
    AgentLocation held = new AgentLocation(B, 4, true);
    assertEquals(
        new Placement.AskHolder(B, 5),
        Placement.decide(held, A, Placement.NodeState.SERVING, null));
  }

  @Test
  void theHostWhoseSessionAnotherNodeHoldsIsTakenOverAtOnceWhenItPresentsThatSessionsToken() {
    AgentLocation held = new AgentLocation(B, 4, true, "hash-of-t1");
    // The same host, reconnecting from B's session: B is not asked (it may be dead, not yet known).
    assertEquals(
        new Placement.Admit(5),
        Placement.decide(held, A, Placement.NodeState.SERVING, "hash-of-t1"));
    // Another host with the same name does not know the token: B is asked as before.
    assertEquals(
        new Placement.AskHolder(B, 5),
        Placement.decide(held, A, Placement.NodeState.SERVING, "hash-of-other"));
    assertEquals(
        new Placement.AskHolder(B, 5),
        Placement.decide(held, A, Placement.NodeState.SERVING, null));
    // An entry without a token (an older node's admission) is never resumed.
    AgentLocation old = new AgentLocation(B, 4, true);
    assertEquals(
        new Placement.AskHolder(B, 5), Placement.decide(old, A, Placement.NodeState.SERVING, null));
  }

  @Test
  void theHostThatPresentsTheTokenOfTheEntryThisNodesReplicaHoldsIsDecidedWithoutAMajorityRead() {
    AgentLocation known = new AgentLocation(B, 4, true, "hash-of-t1");
    // The same decision the majority read would lead to (rule 4), from the replica alone.
    assertEquals(new Placement.Admit(5), Placement.fromReplica(known, "hash-of-t1"));
    assertEquals(
        Placement.decide(known, A, Placement.NodeState.SERVING, "hash-of-t1"),
        Placement.fromReplica(known, "hash-of-t1"));
    // Held here before, or ended: the token decides it too.
    assertEquals(
        new Placement.Admit(5),
        Placement.fromReplica(new AgentLocation(A, 4, false, "hash-of-t1"), "hash-of-t1"));
    // Anything else is read from a majority: no entry here (a new agent, or one this replica has
    // not heard of yet), another token (another host, or this one resuming a newer session the
    // replica has not seen), no token (a restarted agent), an entry without a token.
    assertNull(Placement.fromReplica(null, "hash-of-t1"));
    assertNull(Placement.fromReplica(known, "hash-of-t2"));
    assertNull(Placement.fromReplica(known, null));
    assertNull(Placement.fromReplica(new AgentLocation(B, 4, true), null));
  }

  @Test
  void aHolderThatSaysNoOrWentAwayWhileAskedAdmitsButAYesOrSilenceFromAServingNodeRefuses() {
    assertTrue(Placement.admitAfterAsking(false, Placement.NodeState.SERVING));
    assertTrue(Placement.admitAfterAsking(null, Placement.NodeState.GONE));
    assertFalse(Placement.admitAfterAsking(null, Placement.NodeState.SERVING));
    assertFalse(Placement.admitAfterAsking(true, Placement.NodeState.SERVING));
    // A live session on a node that is unreachable now still refuses: it said yes.
    assertFalse(Placement.admitAfterAsking(true, Placement.NodeState.GONE));
  }
}

package dev.fluke.cluster;

/**
 * Whether an agent may register on this node, from its directory entry and what this node knows of
 * the entry's node (pure; {@link AgentLocations} acts on it). The rules (docs/cluster.md):
 *
 * <ul>
 *   <li>unknown agent, or its last session ended, or it was held here: admitted with the next
 *       epoch;
 *   <li>held by a node that is gone (not a member, down, leaving, removed) or unreachable: admitted
 *       with the next epoch, which fences the old session should that node come back;
 *   <li>held by another node, and the agent presents that session's token (it is the host whose
 *       stream there ended, reconnecting): admitted with the next epoch at once, without asking
 *       that node, which may be dead and not yet known to be; the new epoch fences its session;
 *   <li>held by a reachable, up node: that node is asked whether the session is alive; only a "no"
 *       admits (a "yes" or no answer refuses: two live hosts with one name stay refused), unless
 *       the holder became unreachable or left while it was asked (then it is gone: admitted, and
 *       the new epoch fences it).
 * </ul>
 */
final class Placement {
  private Placement() {}

  /** What this node knows of another member. */
  enum NodeState {
    /** Up (or weakly up, or joining) and reachable: it can be asked. */
    SERVING,
    /** Not a member any more, downed, leaving or exiting, or unreachable. */
    GONE
  }

  sealed interface Step {}

  /** Admit with this epoch. */
  record Admit(long epoch) implements Step {}

  /** Ask {@code node} whether it still holds a live session; admit with {@code epoch} if not. */
  record AskHolder(String node, long epoch) implements Step {}

  /**
   * @param resumes the hash of the session token the agent presents (null: none)
   */
  static Step decide(AgentLocation current, String self, NodeState holder, String resumes) {
    if (current == null) {
      return new Admit(1);
    }
    long next = current.epoch() + 1;
    if (!current.live()
        || current.node().equals(self)
        || holder == NodeState.GONE
        || current.resumedBy(resumes)) {
      return new Admit(next);
    }
    return new AskHolder(current.node(), next);
  }

  /**
   * The admission this node can decide from its own replica of the directory, without a majority
   * read: when the agent presents the token of the entry the replica holds ({@code known}), it is
   * the host that entry's session was handed to (rule 4), and the next epoch is that entry's plus
   * one. Null when the replica has no such entry (unknown agent, another token, none presented):
   * the entry is then read from a majority. A replica that missed a newer admission elsewhere (one
   * whose answer never reached the agent, so it still presents the older token) gives the same
   * epoch as that admission: the directory's merge keeps one of the two entries and fences the
   * other's session, and the agent registers again (docs/cluster.md, "Registration in cluster
   * mode").
   */
  static Admit fromReplica(AgentLocation known, String resumes) {
    return known != null && known.resumedBy(resumes) ? new Admit(known.epoch() + 1) : null;
  }

  /**
   * After the holder was asked: {@code live} is its answer (null: none in time), {@code holderNow}
   * what this node knows of it now. A crashed node does not answer, and the failure detector often
   * marks it unreachable during the wait: the agent is admitted at once instead of being refused
   * and dialling again after its backoff.
   */
  static boolean admitAfterAsking(Boolean live, NodeState holderNow) {
    return Boolean.FALSE.equals(live) || (live == null && holderNow == NodeState.GONE);
  }
}

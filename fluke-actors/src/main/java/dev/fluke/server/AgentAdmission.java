package dev.fluke.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Who else must agree before an agent registers on this server. On a single server nobody: {@link
 * #LOCAL} admits at once with epoch 0. In cluster mode ({@code dev.fluke.cluster.AgentLocations})
 * the cluster-wide agent directory decides: an agent held by another node is admitted only when
 * that node is gone or holds no live session for it, with a higher epoch (the fencing token); the
 * node that held it is then told to stop its stale session ({@link AgentRegistry.Fence}).
 *
 * <p>Called by the {@link AgentRegistry} only (on its thread); answers come back as messages.
 */
public interface AgentAdmission {

  /**
   * What the directory says about a registration.
   *
   * @param epoch the agent's new epoch (> 0 in cluster mode); its cycle ids start at {@code epoch
   *     << 32}, so they are unique across nodes
   * @param refusal null when admitted, else why not (sent to the agent)
   */
  record Decision(long epoch, String refusal) {
    public static Decision admitted(long epoch) {
      return new Decision(epoch, null);
    }

    public static Decision refused(String why) {
      return new Decision(0, why);
    }

    public boolean admitted() {
      return refusal == null;
    }
  }

  /** True when registrations complete at once (a single server). */
  boolean local();

  /** The registry that fences are sent to; called once, when the registry starts. */
  void attach(ActorRef<AgentRegistry.Command> registry);

  /**
   * May agent {@code name} register here? Never fails: problems are refusals.
   *
   * @param resumes the {@link SessionTokens#hash} of the token the agent presents from its last
   *     registration (null: none): when the directory's entry has it, the agent is the host whose
   *     session that entry records, and is taken over without asking its node
   * @param token the {@link SessionTokens#hash} of this registration's own token, kept with the new
   *     entry
   * @param moved the agent was just moved by rebalancing ({@code Register.moved}): a node that
   *     holds its share of the fleet already refuses it, so it goes on to one below its share
   */
  CompletionStage<Decision> admit(String name, String resumes, String token, boolean moved);

  /** {@link #admit(String, String, String, boolean)} of an agent not moved by rebalancing. */
  default CompletionStage<Decision> admit(String name, String resumes, String token) {
    return admit(name, resumes, token, false);
  }

  /** The session of {@code name} admitted with {@code epoch} ended on this node. */
  void released(String name, long epoch);

  /**
   * The registration of {@code name} being admitted ended its stream: if its entry is not being
   * written yet, it never is (the admission is refused), so it cannot fence the session the agent
   * opened elsewhere meanwhile.
   */
  void abandoned(String name);

  /**
   * A session of {@code name} received the result {@code resultKey} ({@code cycle/task}) for the
   * first time; the stage completes once the cluster knows it (never fails; a failure to record is
   * logged).
   */
  CompletionStage<Void> received(String name, String resultKey);

  /**
   * Did any node record agent {@code name}'s result {@code resultKey}? Asked for a late result this
   * node has not received (the node the agent left may have recorded it and lost the
   * acknowledgement with the connection). Never fails.
   */
  CompletionStage<Boolean> recorded(String name, String resultKey);

  /** A single server: everyone is admitted at once, nothing is shared. */
  AgentAdmission LOCAL =
      new AgentAdmission() {
        @Override
        public boolean local() {
          return true;
        }

        @Override
        public void attach(ActorRef<AgentRegistry.Command> registry) {}

        @Override
        public CompletionStage<Decision> admit(
            String name, String resumes, String token, boolean moved) {
          return CompletableFuture.completedFuture(Decision.admitted(0));
        }

        @Override
        public void released(String name, long epoch) {}

        @Override
        public void abandoned(String name) {}

        @Override
        public CompletionStage<Void> received(String name, String resultKey) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Boolean> recorded(String name, String resultKey) {
          return CompletableFuture.completedFuture(false);
        }
      };
}

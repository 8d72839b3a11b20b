package dev.fluke.server;

import dev.fluke.protocol.AgentMessage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The {@link AgentRegistry}'s rules for letting an agent in, as plain state (used on the registry's
 * thread only): whether a registration may go on ({@link #problem}: a valid name, no live agent of
 * that name, none being checked with the cluster), the registrations waiting for the cluster
 * directory ({@link AgentAdmission}), each admitted session's epoch (the fencing token), the cycle
 * ids a new session starts from, and whether a fence from another node makes a session here stale.
 *
 * <p>On a single server ({@link AgentAdmission#LOCAL}) nothing waits and there are no epochs: a
 * session's cycle ids start at its connection number.
 */
final class Admissions {
  private final AgentAdmission admission;
  private final Map<String, Long> epochs = new HashMap<>();
  private final Set<String> admitting = new HashSet<>();

  Admissions(AgentAdmission admission) {
    this.admission = admission;
  }

  /** True when registrations complete at once (a single server). */
  boolean local() {
    return admission.local();
  }

  /**
   * Why a registration of {@code name} cannot go on, or null: a bad name, an agent of that name
   * already connected ({@code existing}: said with its peer and since when, and how a dead
   * connection goes away), or a registration of it being checked with the cluster.
   */
  String problem(String name, AgentDirectory.Live existing, int allowedMisses) {
    String problem = AgentNames.problem(name);
    if (problem == null && existing != null) {
      problem =
          "an agent named "
              + name
              + " is already connected (from "
              + existing.peer()
              + " since "
              + existing.summary().connectedAt()
              + "); a dead connection is evicted after "
              + allowedMisses
              + " missed heartbeats";
    }
    if (problem == null && admitting.contains(name)) {
      problem = "a registration of agent " + name + " is already being checked with the cluster";
    }
    return problem;
  }

  /**
   * Asks the cluster directory about {@code register} whose session will hand out {@code token};
   * until {@link #decided} the name counts as taken.
   */
  CompletionStage<AgentAdmission.Decision> admit(AgentMessage.Register register, String token) {
    admitting.add(register.name());
    return admission.admit(
        register.name(),
        SessionTokens.hash(register.resumeToken()),
        SessionTokens.hash(token),
        register.moved());
  }

  /** The stream of {@code name}'s registration ended while the cluster directory decided. */
  void abandoned(String name) {
    admission.abandoned(name);
  }

  /** The cluster directory answered for {@code name}. */
  void decided(String name) {
    admitting.remove(name);
  }

  /** True while a registration of {@code name} waits for the cluster directory. */
  boolean admitting(String name) {
    return admitting.contains(name);
  }

  /**
   * The registration is accepted: in cluster mode, each result {@code received} gets for the first
   * time is recorded with the cluster, a late one it has not seen is looked up there first, and the
   * epoch is kept. Returns the base of the new session's cycle ids: unique per connection on a
   * single server ({@code connection}), per epoch across the cluster.
   */
  long accepted(String name, AgentAdmission.Decision d, ReceivedResults received, long connection) {
    if (admission.local()) {
      return connection << 32;
    }
    received.onFirst(key -> admission.received(name, key));
    received.lookUpWith(key -> admission.recorded(name, key));
    epochs.put(name, d.epoch());
    return d.epoch() << 32;
  }

  /**
   * An admitted registration was not used after all (answered too late): the cluster forgets it.
   */
  void unused(String name, AgentAdmission.Decision d) {
    admission.released(name, d.epoch());
  }

  /** The epoch of {@code name}'s session on this node (cluster mode), -1 when none. */
  long epoch(String name) {
    return epochs.getOrDefault(name, -1L);
  }

  /** The agent's session on this node ended. */
  void ended(String name) {
    Long epoch = epochs.remove(name);
    if (epoch != null) {
      admission.released(name, epoch);
    }
  }

  /**
   * Another node admitted {@code name} with {@code epoch}: why the session here is stale and must
   * stop, or null when it is not (no session here, or one admitted later than that fence).
   */
  String fence(String name, long epoch, String holder, boolean liveHere) {
    Long own = epochs.get(name);
    if (!liveHere || own == null || own > epoch) {
      return null;
    }
    return "agent "
        + name
        + " registered again on "
        + holder
        + " (epoch "
        + epoch
        + " > "
        + own
        + "): its session here is stale and stops";
  }
}

package dev.fluke.cluster;

import java.util.function.Function;
import org.apache.pekko.cluster.ddata.LWWRegister;

/**
 * How {@link AgentLocations} changes one agent's entry of the directory (pure: the replicator
 * applies these inside its updates).
 */
final class LocationEntries {
  private LocationEntries() {}

  /**
   * The entry after admitting the agent on {@code self} with {@code epoch}: never an epoch at or
   * below the one {@code before} (null: no entry) has, as another node may have admitted it
   * meanwhile; {@code token} is the hash of the new session's token.
   */
  static AgentLocation admitted(AgentLocation before, String self, long epoch, String token) {
    return before == null
        ? new AgentLocation(self, epoch, true, token)
        : before.admittedOn(self, Math.max(epoch, before.epoch() + 1), token);
  }

  /**
   * True when {@code entry} is still the admission of {@code self} with {@code epoch}: only then
   * may this node change it (else another node took the agent over and its entry stays).
   */
  static boolean ownInForce(AgentLocation entry, String self, long epoch) {
    return entry != null && entry.node().equals(self) && entry.epoch() == epoch;
  }

  /**
   * {@code change} as a change of {@code self}'s own entry of {@code epoch}: applied only while
   * that entry is still the one in force, else none (another node took the agent over).
   */
  static Function<AgentLocation, AgentLocation> own(
      String self, long epoch, Function<AgentLocation, AgentLocation> change) {
    return l -> ownInForce(l, self, epoch) ? change.apply(l) : null;
  }

  /**
   * Timestamps grow with the epoch: any entry of a higher epoch wins a merge over every entry of a
   * lower one, and updates within one epoch (release, received results) win over the earlier ones.
   */
  static LWWRegister.Clock<AgentLocation> clock() {
    return (current, value) -> Math.max(current + 1, value.epoch() << 32);
  }
}

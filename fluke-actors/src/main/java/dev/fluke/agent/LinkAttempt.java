package dev.fluke.agent;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.SharedKillSwitch;

/**
 * {@link ServerLink}'s attempt in progress (immutable; the link replaces it as the attempt goes
 * on).
 *
 * @param ref its connection, once the attempt opened; null before
 * @param registered the server accepted the registration
 * @param stable it stayed registered for {@code reset-after}
 */
record LinkAttempt(
    long id,
    ServerConnector server,
    SharedKillSwitch end,
    ActorRef<Connection.Command> ref,
    boolean registered,
    boolean stable) {
  LinkAttempt opened(ActorRef<Connection.Command> connection) {
    return new LinkAttempt(id, server, end, connection, false, false);
  }

  LinkAttempt madeRegistered() {
    return new LinkAttempt(id, server, end, ref, true, false);
  }

  LinkAttempt madeStable() {
    return new LinkAttempt(id, server, end, ref, registered, true);
  }

  boolean is(long connId) {
    return id == connId;
  }
}

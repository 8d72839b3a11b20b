package dev.fluke.agent;

import dev.fluke.agent.actor.ActorRef;

/**
 * {@link ServerLink}'s attempt in progress (immutable; the link replaces it as the attempt goes
 * on).
 *
 * @param call the attempt's call to the server, which ends it ({@link ConnectionAttempt#end})
 * @param ref its connection, once the attempt opened; null before
 * @param registered the server accepted the registration
 * @param stable it stayed registered for {@code reset-after}
 */
record LinkAttempt(
    long id,
    ServerConnector server,
    ConnectionAttempt call,
    ActorRef<Connection.Command> ref,
    boolean registered,
    boolean stable) {
  LinkAttempt opened(ActorRef<Connection.Command> connection) {
    return new LinkAttempt(id, server, call, connection, false, false);
  }

  LinkAttempt madeRegistered() {
    return new LinkAttempt(id, server, call, ref, true, false);
  }

  LinkAttempt madeStable() {
    return new LinkAttempt(id, server, call, ref, registered, true);
  }

  boolean is(long connId) {
    return id == connId;
  }
}

package dev.fluke.server;

import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.Rebalancing;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * How the {@link AgentRegistry} lets an agent's stream in and keeps its name held (SPEC §5): a
 * Register answered after the gateway's deadline is refused (the agent retries), one the plain
 * {@link Admissions} finds a problem with is refused and recorded as a {@code rejected} event, in
 * cluster mode the cluster directory is asked first ({@link AgentRegistry.Admitted}); an accepted
 * one gets a session (spawned and watched by the registry), enters the directory and is answered. A
 * registration the gateway gave up on is stopped, and a session another node's newer admission
 * fences is stopped and recorded as {@code fenced}. Runs on the registry's thread, with its
 * context.
 */
final class Registrations {

  /** Spawns (and watches) the session of an accepted registration. */
  interface Sessions {
    ActorRef<AgentSession.Command> spawn(
        AgentRegistry.Connect c, long connection, long cycleBase, String token);
  }

  private final ActorContext<AgentRegistry.Command> context;
  private final ServerSettings settings;
  private final EventStore events;
  private final FlukeMetrics metrics;
  private final Admissions admissions;
  private final AgentDirectory directory;
  private final DirectoryFeed feed;
  private final Sessions sessions;
  private long connections;
  private boolean draining;

  Registrations(
      ActorContext<AgentRegistry.Command> context,
      ServerSettings settings,
      EventStore events,
      FlukeMetrics metrics,
      Admissions admissions,
      AgentDirectory directory,
      DirectoryFeed feed,
      Sessions sessions) {
    this.context = context;
    this.settings = settings;
    this.events = events;
    this.metrics = metrics;
    this.admissions = admissions;
    this.directory = directory;
    this.feed = feed;
    this.sessions = sessions;
  }

  /** A new stream's Register: refused, sent to the cluster directory, or accepted. */
  void connect(AgentRegistry.Connect c) {
    String name = c.register().name();
    Instant now = settings.now();
    if (now.isAfter(c.deadline())) {
      // The gateway has already failed this stream; the agent will come back after its backoff.
      context
          .getLog()
          .warn("Registration of {} from {} answered too late; the agent retries", name, c.peer());
      tooLate(c);
      return;
    }
    String problem =
        draining
            ? STOPPING
            : admissions.problem(
                name, directory.live(name), settings.agents().heartbeatAllowedMisses());
    if (problem != null) {
      refuse(c, problem);
      return;
    }
    String token = SessionTokens.next();
    if (!admissions.local()) {
      // An agent that gives up on this registration (its own register-timeout, a broken
      // connection) registers elsewhere; this admission, written later, would fence that live
      // session.
      context.watchWith(c.out(), new AgentRegistry.StreamGone(name));
      context.pipeToSelf(
          admissions.admit(c.register(), token),
          (d, failure) ->
              new AgentRegistry.Admitted(
                  c,
                  d != null
                      ? d
                      : AgentAdmission.Decision.refused("the cluster directory failed: " + failure),
                  token));
      return;
    }
    accept(c, AgentAdmission.Decision.admitted(0), token);
  }

  private void tooLate(AgentRegistry.Connect c) {
    metrics.registrationsTooLate();
    c.replyTo()
        .tell(
            new AgentRegistry.Refused("the server was too busy to take the registration in time"));
  }

  /** A registration's answer while this node drains its agents ({@link #drain}). */
  static final String STOPPING =
      "this server is stopping; retry on another server node, or here once it is back";

  /** This node stops: every registration from now on is refused, the agents go elsewhere. */
  void drain() {
    draining = true;
  }

  private void refuse(AgentRegistry.Connect c, String problem) {
    String name = c.register().name();
    if (Rebalancing.describes(problem)) {
      // An agent just moved by rebalancing, sent on by a node that holds its share: routine.
      context.getLog().info("Sent agent {} from {} on: {}", name, c.peer(), problem);
      metrics.agentSentOn();
    } else {
      context.getLog().warn("Refused agent {} from {}: {}", name, c.peer(), problem);
      events.append(
          Event.agent(
              settings.now(),
              name == null ? "" : name,
              "rejected",
              problem + " (peer " + c.peer() + ")"));
    }
    c.replyTo().tell(new AgentRegistry.Refused(problem));
  }

  /** Cluster mode: the directory answered; the registration goes on as on a single server. */
  void admitted(AgentRegistry.Admitted a) {
    AgentRegistry.Connect c = a.connect();
    String name = c.register().name();
    context.unwatch(c.out());
    admissions.decided(name);
    AgentAdmission.Decision d = a.decision();
    if (!d.admitted()) {
      refuse(c, d.refusal());
      return;
    }
    if (draining) {
      admissions.unused(name, d); // admitted while this node began to stop: the cluster forgets it
      refuse(c, STOPPING);
      return;
    }
    if (settings.now().isAfter(c.deadline()) || directory.live(name) != null) {
      admissions.unused(name, d);
      tooLate(c);
      return;
    }
    accept(c, d, a.token());
  }

  private void accept(AgentRegistry.Connect c, AgentAdmission.Decision d, String token) {
    String name = c.register().name();
    Instant now = settings.now();
    long connection = ++connections;
    long cycleBase = admissions.accepted(name, d, directory.received(name), connection);
    ActorRef<AgentSession.Command> session = sessions.spawn(c, connection, cycleBase, token);
    // Counted and announced once the session exists.
    feed.connected(AgentDirectory.Live.registered(session, c.register(), c.peer(), c.out(), now));
    c.replyTo().tell(new AgentRegistry.Accepted(session));
  }

  /**
   * The stream of a registration waiting for the cluster directory ended: the directory drops the
   * admission if it can (its answer, a refusal, still comes as {@link AgentRegistry.Admitted}).
   */
  void streamGone(AgentRegistry.StreamGone g) {
    if (admissions.admitting(g.name())) {
      context
          .getLog()
          .info("The stream of {}'s registration ended while the cluster decided", g.name());
      admissions.abandoned(g.name());
    }
  }

  /** The gateway gave up on the registration: a session it made after all is stopped. */
  void abandoned(AgentRegistry.Abandoned a) {
    AgentDirectory.Live l = directory.live(a.name());
    if (l != null && l.out().equals(a.out())) {
      context
          .getLog()
          .warn("Registration of {} was answered after the stream gave up; stopping it", a.name());
      context.stop(l.session()); // SessionEnded then records the disconnection
    }
  }

  /** Another node admitted the agent later: a session of it here is stale and stops. */
  void fence(AgentRegistry.Fence f) {
    AgentDirectory.Live l = directory.live(f.name());
    String why = admissions.fence(f.name(), f.epoch(), f.holder(), l != null);
    if (why != null) {
      context.getLog().warn("{}", why);
      events.append(Event.agent(settings.now(), f.name(), "fenced", why));
      context.stop(l.session()); // SessionEnded then records the disconnection
    }
  }
}

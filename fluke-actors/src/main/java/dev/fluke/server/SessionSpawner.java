package dev.fluke.server;

import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Makes the {@link AgentRegistry}'s sessions (plain, called on the registry's thread): the {@link
 * SessionSetup} of an accepted registration — what every session shares, the state in force and its
 * reconcilers ({@link SessionFanout}), the results the agent's earlier sessions received ({@link
 * AgentDirectory}) — and the session itself, a child of the registry that is stopped, not
 * restarted, when it fails, and watched ({@link AgentRegistry.SessionEnded}).
 */
final class SessionSpawner implements Registrations.Sessions {
  private final ActorContext<AgentRegistry.Command> context;
  private final ServerSettings settings;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final EventStore events;
  private final LiveHub hub;
  private final FlukeMetrics metrics;
  private final Suspensions suspensions;
  private final SessionFanout fanout;
  private final AgentDirectory directory;

  SessionSpawner(
      ActorContext<AgentRegistry.Command> context,
      ServerSettings settings,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      Suspensions suspensions,
      SessionFanout fanout,
      AgentDirectory directory) {
    this.context = context;
    this.settings = settings;
    this.alerter = alerter;
    this.events = events;
    this.hub = hub;
    this.metrics = metrics;
    this.suspensions = suspensions;
    this.fanout = fanout;
    this.directory = directory;
  }

  @Override
  public ActorRef<AgentSession.Command> spawn(
      AgentRegistry.Connect c, long connection, long cycleBase, String token) {
    String name = c.register().name();
    SessionSetup setup =
        new SessionSetup(
            settings,
            c.register(),
            c.peer(),
            c.out(),
            context.getSelf(),
            alerter,
            events,
            hub,
            metrics,
            cycleBase,
            fanout.state(),
            fanout.reconcilers(),
            directory.received(name),
            suspensions,
            token);
    ActorRef<AgentSession.Command> session =
        context.spawn(
            Behaviors.supervise(AgentSession.create(setup)).onFailure(SupervisorStrategy.stop()),
            "agent-" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "-" + connection);
    context.watchWith(session, new AgentRegistry.SessionEnded(name, session));
    return session;
  }
}

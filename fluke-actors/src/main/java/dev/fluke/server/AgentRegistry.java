package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The agent directory (SPEC §5, §7): built only from live connections. Spawns one {@link
 * AgentSession} per registered agent and watches it; refuses a second live agent with the same
 * name; forwards each new desired state to every session (a commit's rollout slots); keeps the
 * summaries sessions push (so listing 10,000 agents reads a map instead of asking each) and the
 * {@link RecentlyDisconnected}.
 *
 * <p>Feeds the live view and the metrics: connects, disconnects and status changes of an agent are
 * published as {@link LiveUpdate#agentChanged} (a summary that only refreshes {@code lastSeen} is
 * not a change), counted in {@code fluke_agents_connected} and the connection counters, and the
 * fleet's task status totals ({@code fluke_tasks}) are kept as running sums of the pushed counts.
 *
 * <p>Sessions are stopped, not restarted, when they fail: a restarted session would have lost the
 * acknowledgement its inbound stream waits for. The failure ends the agent's stream and the agent
 * reconnects to a fresh session.
 */
public final class AgentRegistry extends AbstractBehavior<AgentRegistry.Command> {

  public sealed interface Command {}

  /**
   * A new stream sent its Register; replies {@link Accepted} or {@link Refused}. {@code deadline}
   * (the engine's clock) is when the gateway stops waiting for the answer: a registration still
   * queued by then is refused without a session, since nobody would feed that session (under a
   * reconnect storm, a late session would be a ghost holding the agent's name until evicted).
   */
  public record Connect(
      AgentMessage.Register register,
      String peer,
      ActorRef<Outbound> out,
      ActorRef<ConnectReply> replyTo,
      Instant deadline)
      implements Command {}

  /**
   * The gateway gave up waiting for the answer to the registration on {@code out}: if that
   * registration made a session after all (answered just too late), it is stopped.
   */
  public record Abandoned(String name, ActorRef<Outbound> out) implements Command {}

  public sealed interface ConnectReply {}

  /** The agent's session; the rest of the stream goes to it. */
  public record Accepted(ActorRef<AgentSession.Command> session) implements ConnectReply {}

  /** Registration refused; the stream sends {@code Rejected(reason)} and completes. */
  public record Refused(String reason) implements ConnectReply {}

  /**
   * A desired state and the reconcilers of its tasks (from {@link TaskRegistry}); {@code newCommit}
   * false when only a reconciler was replaced (no cycle is triggered).
   */
  public record DesiredStateChanged(
      DesiredState state,
      Map<String, ActorRef<TaskReconciler.Command>> reconcilers,
      boolean newCommit)
      implements Command {}

  /** Pushed by a session whenever its summary changes. */
  public record SummaryChanged(Dto.AgentSummary summary, ActorRef<AgentSession.Command> session)
      implements Command {}

  /** Replies with every connected and recently disconnected agent, sorted by name. */
  public record GetAgents(ActorRef<List<Dto.AgentSummary>> replyTo) implements Command {}

  /** Replies with the agent's detail (without events), empty when unknown. */
  public record GetAgent(String name, ActorRef<Optional<Dto.AgentDetail>> replyTo)
      implements Command {}

  /**
   * Manual reconcile (request {@code requestId}) of all agents or one agent; replies what started.
   */
  public record Reconcile(
      Dto.ReconcileTarget target, long requestId, ActorRef<Dto.ReconcileAccepted> replyTo)
      implements Command {}

  private record SessionEnded(String name, ActorRef<AgentSession.Command> session)
      implements Command {}

  private record Live(
      ActorRef<AgentSession.Command> session,
      Dto.AgentSummary summary,
      String peer,
      ActorRef<Outbound> out) {}

  /**
   * Per agent, the results received lately, kept across its connections to spot re-sent duplicates.
   * Twice the agent's default bound of unacknowledged results; forgotten with the agent.
   */
  private static final int RECEIVED_RESULTS_KEPT = 64;

  private final ServerSettings settings;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final EventStore events;
  private final LiveHub hub;
  private final FlukeMetrics metrics;
  private final Map<String, Live> live = new HashMap<>();
  private final RecentlyDisconnected recent;
  private final Map<String, ReceivedResults> received = new HashMap<>();
  private Dto.StatusCounts totals = Dto.StatusCounts.EMPTY;
  private DesiredState state;
  private Map<String, ActorRef<TaskReconciler.Command>> reconcilers = Map.of();
  private long connections;

  public static Behavior<Command> create(
      ServerSettings settings,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics) {
    return Behaviors.setup(ctx -> new AgentRegistry(ctx, settings, alerter, events, hub, metrics));
  }

  private AgentRegistry(
      ActorContext<Command> context,
      ServerSettings settings,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics) {
    super(context);
    this.settings = settings;
    this.alerter = alerter;
    this.events = events;
    this.hub = hub;
    this.metrics = metrics;
    this.recent =
        new RecentlyDisconnected(
            settings.agents().disconnectedRetention(), settings.agents().disconnectedMax());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Connect.class, this::onConnect)
        .onMessage(DesiredStateChanged.class, this::onDesiredState)
        .onMessage(SummaryChanged.class, this::onSummary)
        .onMessage(SessionEnded.class, this::onSessionEnded)
        .onMessage(Abandoned.class, this::onAbandoned)
        .onMessage(GetAgents.class, this::onGetAgents)
        .onMessage(GetAgent.class, this::onGetAgent)
        .onMessage(Reconcile.class, this::onReconcile)
        .build();
  }

  private Behavior<Command> onConnect(Connect c) {
    String name = c.register().name();
    Instant now = settings.now();
    if (now.isAfter(c.deadline())) {
      // The gateway has already failed this stream; the agent will come back after its backoff.
      getContext()
          .getLog()
          .warn("Registration of {} from {} answered too late; the agent retries", name, c.peer());
      metrics.registrationsTooLate();
      c.replyTo().tell(new Refused("the server was too busy to take the registration in time"));
      return this;
    }
    String problem = AgentNames.problem(name);
    Live existing = name == null ? null : live.get(name);
    if (problem == null && existing != null) {
      problem =
          "an agent named "
              + name
              + " is already connected (from "
              + existing.peer()
              + " since "
              + existing.summary().connectedAt()
              + "); a dead connection is evicted after "
              + settings.agents().heartbeatAllowedMisses()
              + " missed heartbeats";
    }
    if (problem != null) {
      getContext().getLog().warn("Refused agent {} from {}: {}", name, c.peer(), problem);
      events.append(
          Event.agent(
              now, name == null ? "" : name, "rejected", problem + " (peer " + c.peer() + ")"));
      c.replyTo().tell(new Refused(problem));
      return this;
    }
    ActorRef<AgentSession.Command> session = spawnSession(c, ++connections);
    getContext().watchWith(session, new SessionEnded(name, session));
    // Counted and announced once the session exists.
    metrics.agentConnected(name);
    hub.publish(LiveUpdate.agentChanged(name));
    Dto.AgentSummary summary =
        new Dto.AgentSummary(
            name,
            c.register().labels(),
            c.register().version(),
            true,
            now,
            now,
            CyclePhase.IDLE,
            null,
            Dto.StatusCounts.EMPTY,
            0);
    live.put(name, new Live(session, summary, c.peer(), c.out()));
    recent.remove(name);
    c.replyTo().tell(new Accepted(session));
    return this;
  }

  private ActorRef<AgentSession.Command> spawnSession(Connect c, long connection) {
    String name = c.register().name();
    AgentSession.Setup setup =
        new AgentSession.Setup(
            settings,
            c.register(),
            c.peer(),
            c.out(),
            getContext().getSelf(),
            alerter,
            events,
            hub,
            metrics,
            connection << 32,
            state,
            reconcilers,
            received.computeIfAbsent(name, n -> new ReceivedResults(RECEIVED_RESULTS_KEPT)));
    return getContext()
        .spawn(
            Behaviors.supervise(AgentSession.create(setup)).onFailure(SupervisorStrategy.stop()),
            "agent-" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "-" + connection);
  }

  private Behavior<Command> onAbandoned(Abandoned a) {
    Live l = live.get(a.name());
    if (l != null && l.out().equals(a.out())) {
      getContext()
          .getLog()
          .warn("Registration of {} was answered after the stream gave up; stopping it", a.name());
      getContext().stop(l.session()); // SessionEnded then records the disconnection
    }
    return this;
  }

  private Behavior<Command> onDesiredState(DesiredStateChanged d) {
    state = d.state();
    reconcilers = d.reconcilers();
    // A new commit reaches the fleet as a rollout: the first agents (by name) start their cycle at
    // once, the rest at the configured rate, so a large fleet neither checks nor applies a commit
    // all at once.
    ServerSettings.Rollout rollout = settings.rollout();
    int slot = 0;
    for (String agent : new TreeSet<>(live.keySet())) {
      live.get(agent)
          .session()
          .tell(
              new AgentSession.DesiredStateChanged(
                  d.state(), d.reconcilers(), d.newCommit() ? rollout.delayOf(slot++) : null));
    }
    return this;
  }

  private Behavior<Command> onSummary(SummaryChanged s) {
    Live l = live.get(s.summary().name());
    if (l == null || !l.session().equals(s.session())) {
      return this;
    }
    Dto.AgentSummary before = l.summary();
    live.put(s.summary().name(), new Live(l.session(), s.summary(), l.peer(), l.out()));
    countsChanged(before.counts(), s.summary().counts());
    if (statusChanged(before, s.summary())) {
      hub.publish(LiveUpdate.agentChanged(s.summary().name()));
    }
    return this;
  }

  private Behavior<Command> onSessionEnded(SessionEnded e) {
    Live l = live.get(e.name());
    if (l == null || !l.session().equals(e.session())) {
      return this;
    }
    live.remove(e.name());
    // Counts and drift cover connected agents only: a disconnected agent's tasks leave the totals.
    countsChanged(l.summary().counts(), Dto.StatusCounts.EMPTY);
    metrics.agentDisconnected(e.name());
    hub.publish(LiveUpdate.agentChanged(e.name()));
    recent.add(disconnected(l.summary()));
    prune();
    return this;
  }

  private static Dto.AgentSummary disconnected(Dto.AgentSummary s) {
    return new Dto.AgentSummary(
        s.name(),
        s.labels(),
        s.version(),
        false,
        s.connectedAt(),
        s.lastSeen(),
        CyclePhase.IDLE,
        s.lastCycleEndedAt(),
        s.counts(),
        s.manualServed());
  }

  private void countsChanged(Dto.StatusCounts before, Dto.StatusCounts after) {
    if (!before.equals(after)) {
      totals = totals.plus(after).minus(before);
      metrics.taskStatusCounts(totals);
    }
  }

  /**
   * What a viewer of the agent list would see change; {@code lastSeen} alone refreshes every
   * heartbeat.
   */
  private static boolean statusChanged(Dto.AgentSummary before, Dto.AgentSummary after) {
    return before.cycle() != after.cycle()
        || !before.counts().equals(after.counts())
        || !Objects.equals(before.lastCycleEndedAt(), after.lastCycleEndedAt())
        || before.connected() != after.connected();
  }

  /** Forgets old disconnected agents, with the results kept for them. */
  private void prune() {
    recent.prune(
        settings.now(),
        name -> {
          if (!live.containsKey(name)) {
            received.remove(name);
          }
        });
  }

  private Behavior<Command> onGetAgents(GetAgents g) {
    prune();
    List<Dto.AgentSummary> out = new ArrayList<>(live.size() + recent.all().size());
    for (Live l : live.values()) {
      out.add(l.summary());
    }
    out.addAll(recent.all());
    out.sort(Comparator.comparing(Dto.AgentSummary::name));
    g.replyTo().tell(out);
    return this;
  }

  private Behavior<Command> onGetAgent(GetAgent g) {
    Live l = live.get(g.name());
    if (l != null) {
      // A session that is just stopping drops the question: the registry then answers with the
      // summary it holds, as the disconnected agent it now is.
      Dto.AgentSummary summary = l.summary();
      AskOrFallback.ask(
          getContext(),
          l.session(),
          AgentSession.GetDetail::new,
          settings.api().gatherTimeout(),
          g.replyTo(),
          stopped ->
              Optional.of(
                  new Dto.AgentDetail(
                      stopped ? disconnected(summary) : summary, List.of(), List.of())));
      return this;
    }
    prune();
    Dto.AgentSummary s = recent.get(g.name());
    g.replyTo()
        .tell(
            s == null
                ? Optional.empty()
                : Optional.of(new Dto.AgentDetail(s, List.of(), List.of())));
    return this;
  }

  private Behavior<Command> onReconcile(Reconcile r) {
    Instant now = settings.now();
    List<String> names = new ArrayList<>();
    String message;
    if (r.target().kind() == TargetKind.AGENT) {
      String name = r.target().name();
      if (name == null || !live.containsKey(name)) {
        String why =
            name != null && recent.contains(name)
                ? "agent " + name + " is not connected"
                : "no agent named " + name + " is connected";
        r.replyTo()
            .tell(new Dto.ReconcileAccepted(false, why, r.target(), List.of(), now, r.requestId()));
        return this;
      }
      names.add(name);
      message = "manual reconcile of agent " + name + " started";
    } else {
      names.addAll(new TreeSet<>(live.keySet()));
      message =
          names.isEmpty()
              ? "no agent is connected"
              : "manual reconcile started on " + names.size() + " agent(s)";
    }
    for (String name : names) {
      live.get(name).session().tell(new AgentSession.ManualReconcile(Set.of(), r.requestId()));
    }
    r.replyTo()
        .tell(new Dto.ReconcileAccepted(true, message, r.target(), names, now, r.requestId()));
    return this;
  }
}

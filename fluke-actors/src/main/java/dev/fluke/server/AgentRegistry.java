package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * name; forwards each new desired state to every session; keeps the summaries sessions push (so
 * listing 10,000 agents reads a map instead of asking each) and a bounded record of recently
 * disconnected agents.
 *
 * <p>Feeds the live view and the metrics: connects, disconnects and status changes of an agent are
 * published as {@link LiveUpdate#agentChanged} (a summary that only refreshes {@code lastSeen} is
 * not a change), counted in {@code fluke_agents_connected} and the connection counters, and the
 * fleet's task status totals ({@code fluke_tasks}) are kept as running sums of the pushed counts
 * ({@link FleetCounts}).
 *
 * <p>Sessions are stopped, not restarted, when they fail: a restarted session would have lost the
 * acknowledgement its inbound stream waits for. The failure ends the agent's stream and the agent
 * reconnects to a fresh session.
 */
public final class AgentRegistry extends AbstractBehavior<AgentRegistry.Command> {

  public sealed interface Command {}

  /**
   * A new stream sent its Register; replies {@link Accepted} or {@link Refused}. {@code
   * deadlineNanos} ({@link System#nanoTime()}) is when the gateway stops waiting for the answer: a
   * registration still queued by then is refused without a session, since nobody would feed that
   * session (under a reconnect storm, a late session would be a ghost holding the agent's name
   * until it is evicted).
   */
  public record Connect(
      AgentMessage.Register register,
      String peer,
      ActorRef<Outbound> out,
      ActorRef<ConnectReply> replyTo,
      long deadlineNanos)
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

  /** A new desired state and the reconcilers of its tasks (from {@link TaskRegistry}). */
  public record DesiredStateChanged(
      DesiredState state, Map<String, ActorRef<TaskReconciler.Command>> reconcilers)
      implements Command {}

  /** Pushed by a session whenever its summary changes. */
  public record SummaryChanged(Dto.AgentSummary summary, ActorRef<AgentSession.Command> session)
      implements Command {}

  /** Replies with every connected and recently disconnected agent, sorted by name. */
  public record GetAgents(ActorRef<List<Dto.AgentSummary>> replyTo) implements Command {}

  /** Replies with the agent's detail (without events), empty when unknown. */
  public record GetAgent(String name, ActorRef<Optional<Dto.AgentDetail>> replyTo)
      implements Command {}

  /** Manual reconcile of all agents or one agent; replies with what was started. */
  public record Reconcile(Dto.ReconcileTarget target, ActorRef<Dto.ReconcileAccepted> replyTo)
      implements Command {}

  private record SessionEnded(String name, ActorRef<AgentSession.Command> session)
      implements Command {}

  private record Live(
      ActorRef<AgentSession.Command> session,
      Dto.AgentSummary summary,
      String peer,
      ActorRef<Outbound> out) {}

  private final ServerSettings settings;
  private final ActorRef<DriftAlerter.Command> alerter;
  private final EventStore events;
  private final LiveHub hub;
  private final FlukeMetrics metrics;
  private final FleetCounts totals = new FleetCounts();
  private final Map<String, Live> live = new HashMap<>();
  // Insertion order = order of disconnection, so the oldest are dropped first.
  private final LinkedHashMap<String, Dto.AgentSummary> recent = new LinkedHashMap<>();

  /**
   * Per agent, the results received lately, kept across its connections to spot re-sent duplicates.
   * Twice the agent's default bound of unacknowledged results; forgotten with the agent.
   */
  private final Map<String, ReceivedResults> received = new HashMap<>();

  private static final int RECEIVED_RESULTS_KEPT = 64;
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
    if (System.nanoTime() - c.deadlineNanos() > 0) {
      // The gateway has already failed this stream; the agent will come back after its backoff.
      getContext()
          .getLog()
          .warn(
              "Registration of {} from {} answered too late (the server is overloaded); "
                  + "the agent retries",
              name,
              c.peer());
      metrics.registrationsTooLate();
      c.replyTo().tell(new Refused("the server was too busy to take the registration in time"));
      return this;
    }
    String problem = invalidName(name);
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
          Event.simple(
              "agent", name == null ? "" : name, "rejected", problem + " (peer " + c.peer() + ")"));
      c.replyTo().tell(new Refused(problem));
      return this;
    }
    long connection = ++connections;
    // Counted and announced before the session exists: it starts at once, on its own thread, and
    // what it
    // sends or records must not be seen before its agent is counted as connected.
    metrics.agentConnected(name);
    hub.publish(LiveUpdate.agentChanged(name));
    ActorRef<AgentSession.Command> session =
        getContext()
            .spawn(
                Behaviors.supervise(
                        AgentSession.create(
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
                                received.computeIfAbsent(
                                    name, n -> new ReceivedResults(RECEIVED_RESULTS_KEPT)))))
                    .onFailure(SupervisorStrategy.stop()),
                "agent-" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "-" + connection);
    getContext().watchWith(session, new SessionEnded(name, session));
    Instant now = Instant.now();
    live.put(
        name,
        new Live(
            session,
            new Dto.AgentSummary(
                name,
                c.register().labels(),
                c.register().version(),
                true,
                now,
                now,
                "idle",
                null,
                Dto.StatusCounts.EMPTY),
            c.peer(),
            c.out()));
    recent.remove(name);
    c.replyTo().tell(new Accepted(session));
    return this;
  }

  private Behavior<Command> onAbandoned(Abandoned a) {
    Live l = live.get(a.name());
    if (l != null && l.out().equals(a.out())) {
      getContext()
          .getLog()
          .warn(
              "Registration of {} was answered after the stream gave up; stopping its session",
              a.name());
      getContext().stop(l.session()); // SessionEnded then records the disconnection
    }
    return this;
  }

  private Behavior<Command> onDesiredState(DesiredStateChanged d) {
    state = d.state();
    reconcilers = d.reconcilers();
    // A new commit reaches the fleet as a rollout: the first agents (by name) start their cycle at
    // once,
    // the rest at the configured rate, so a large fleet neither checks nor applies a commit all at
    // once.
    ServerSettings.Rollout rollout = settings.rollout();
    int slot = 0;
    for (String agent : new TreeSet<>(live.keySet())) {
      live.get(agent)
          .session()
          .tell(
              new AgentSession.DesiredStateChanged(
                  d.state(), d.reconcilers(), rollout.delayOf(slot++)));
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
    Dto.AgentSummary s = l.summary();
    // Counts and drift cover connected agents only: a disconnected agent's tasks leave the totals.
    countsChanged(s.counts(), Dto.StatusCounts.EMPTY);
    metrics.agentDisconnected(e.name());
    hub.publish(LiveUpdate.agentChanged(e.name()));
    recent.remove(e.name()); // keeps recent in disconnection order
    recent.put(e.name(), disconnected(s));
    pruneRecent();
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
        "idle",
        s.lastCycleEndedAt(),
        s.counts());
  }

  private void countsChanged(Dto.StatusCounts before, Dto.StatusCounts after) {
    if (totals.replace(before, after)) {
      metrics.taskStatusCounts(totals.totals());
    }
  }

  /**
   * What a viewer of the agent list would see change; {@code lastSeen} alone refreshes every
   * heartbeat.
   */
  private static boolean statusChanged(Dto.AgentSummary before, Dto.AgentSummary after) {
    return !before.cycle().equals(after.cycle())
        || !before.counts().equals(after.counts())
        || !Objects.equals(before.lastCycleEndedAt(), after.lastCycleEndedAt())
        || before.connected() != after.connected();
  }

  /**
   * Forgets disconnected agents past {@code disconnected-retention} or beyond {@code
   * disconnected-max}, oldest disconnection first, with the results kept for them. Only the head of
   * {@link #recent} (kept in disconnection order) is looked at, so this costs what it removes, not
   * the fleet's size: it runs on every disconnection and every question, and a fleet reconnecting
   * after a network blip must not make the registry quadratic. (An agent evicted for silence has a
   * last-seen up to the eviction window older than its disconnection, so it can outlive the
   * retention by that much.)
   */
  private void pruneRecent() {
    Instant cutoff = Instant.now().minus(settings.agents().disconnectedRetention());
    Iterator<Map.Entry<String, Dto.AgentSummary>> oldest = recent.entrySet().iterator();
    while (oldest.hasNext()) {
      Map.Entry<String, Dto.AgentSummary> e = oldest.next();
      boolean expired = e.getValue().lastSeen() != null && e.getValue().lastSeen().isBefore(cutoff);
      if (!expired && recent.size() <= settings.agents().disconnectedMax()) {
        return;
      }
      oldest.remove();
      if (!live.containsKey(e.getKey())) {
        received.remove(e.getKey());
      }
    }
  }

  private Behavior<Command> onGetAgents(GetAgents g) {
    pruneRecent();
    List<Dto.AgentSummary> out = new ArrayList<>(live.size() + recent.size());
    for (Live l : live.values()) {
      out.add(l.summary());
    }
    out.addAll(recent.values());
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
    pruneRecent();
    Dto.AgentSummary s = recent.get(g.name());
    g.replyTo()
        .tell(
            s == null
                ? Optional.empty()
                : Optional.of(new Dto.AgentDetail(s, List.of(), List.of())));
    return this;
  }

  private Behavior<Command> onReconcile(Reconcile r) {
    Instant now = Instant.now();
    if ("agent".equals(r.target().kind())) {
      Live l = r.target().name() == null ? null : live.get(r.target().name());
      if (l == null) {
        String why =
            recent.containsKey(r.target().name())
                ? "agent " + r.target().name() + " is not connected"
                : "no agent named " + r.target().name() + " is connected";
        r.replyTo().tell(new Dto.ReconcileAccepted(false, why, r.target(), List.of(), now));
        return this;
      }
      l.session().tell(new AgentSession.ManualReconcile(Set.of()));
      r.replyTo()
          .tell(
              new Dto.ReconcileAccepted(
                  true,
                  "manual reconcile of agent " + r.target().name() + " started",
                  r.target(),
                  List.of(r.target().name()),
                  now));
      return this;
    }
    List<String> names = new ArrayList<>(live.keySet());
    names.sort(null);
    for (Live l : live.values()) {
      l.session().tell(new AgentSession.ManualReconcile(Set.of()));
    }
    r.replyTo()
        .tell(
            new Dto.ReconcileAccepted(
                true,
                names.isEmpty()
                    ? "no agent is connected"
                    : "manual reconcile started on " + names.size() + " agent(s)",
                r.target(),
                names,
                now));
    return this;
  }

  private static String invalidName(String name) {
    if (name == null || name.isBlank()) {
      return "the agent name must not be empty";
    }
    if (name.length() > 253) {
      return "the agent name is longer than 253 characters";
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i)) || Character.isWhitespace(name.charAt(i))) {
        return "the agent name must not contain spaces or control characters";
      }
    }
    return null;
  }
}

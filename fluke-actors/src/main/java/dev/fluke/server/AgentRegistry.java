package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.api.TargetKind;
import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
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
 * <p>Admission and fencing are the plain {@link Admissions}; the directory, the live view and the
 * metrics follow each agent through {@link DirectoryFeed}; the state in force, the cycles it starts
 * and the questions to sessions go through {@link SessionFanout}; sessions are made by the {@link
 * SessionSpawner}; plans run under the {@link Planner}.
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
      Dto.ReconcileTarget target,
      long requestId,
      boolean force,
      ActorRef<Dto.ReconcileAccepted> replyTo)
      implements Command {}

  /**
   * A suspension of this scope ended (resumed or expired): the agents it covered check again now,
   * paced like a new commit, so what it held back is applied without waiting for the interval.
   */
  public record SuspensionLifted(TargetKind scope, String name) implements Command {}

  /**
   * Plan a ref ({@code fluke plan}), handed to the {@link Planner}: a {@link PlanQuery} compares
   * {@code ref} with the state in force, checks the new and changed tasks on the connected agents
   * they would match, and replies.
   */
  public record Plan(
      ManifestSync.Planned ref, Duration timeout, Instant startedAt, ActorRef<PlanResult> replyTo)
      implements Command {}

  private record PlannerEnded() implements Command {}

  /** A session stopped ({@link SessionSpawner} watches each one with this). */
  record SessionEnded(String name, ActorRef<AgentSession.Command> session) implements Command {}

  /** Replies whether {@code name} has a live session on this node (asked by other nodes). */
  public record IsLive(String name, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * Did a session of agent {@code name} on this node receive the result {@code key} ({@code
   * cycle/task})? Asked by another node that got it late ({@code dev.fluke.cluster.NodeService}).
   */
  public record HasReceived(String name, String key, ActorRef<Boolean> replyTo)
      implements Command {}

  /**
   * Cluster mode: {@code name} was admitted on another node with {@code epoch}; a session of it
   * here with a lower epoch is stale and is stopped (its stream ends, the agent is elsewhere).
   */
  public record Fence(String name, long epoch, String holder) implements Command {}

  /**
   * Cluster mode: up to {@code count} idle agents reconnect to other nodes ({@code why}); replies
   * with the names of those asked.
   */
  public record Shed(int count, String why, ActorRef<Shedding> replyTo) implements Command {}

  /** The agents a {@link Shed} asked to move, with the epochs of their sessions here. */
  public record Shedding(Map<String, Long> epochs) {}

  /**
   * This node stops (coordinated shutdown of a cluster node): registrations are refused from now
   * on, every session ends its stream once the acknowledgements it owes are out ({@link
   * AgentSession.Drain}); replies when no session is left.
   */
  public record Drain(ActorRef<Done> replyTo) implements Command {}

  /** The cluster directory's answer to a registration ({@link AgentAdmission}). */
  record Admitted(Connect connect, AgentAdmission.Decision decision, String token)
      implements Command {}

  /**
   * The stream of a registration the cluster directory was still deciding on ended (the agent gave
   * up on it): the directory drops it unless its entry is being written already.
   */
  record StreamGone(String name) implements Command {}

  private final ServerSettings settings;
  private final AgentDirectory directory;
  private final DirectoryFeed feed;
  private final Registrations registrations;
  private final Admissions admissions;
  private final SessionFanout fanout;
  private ActorRef<Planner.Command> planner;
  private long planners;
  private final List<ActorRef<Done>> drained = new ArrayList<>();

  /**
   * The registry whose agents' runners consult {@code suspensions} and whose registrations {@code
   * admission} must agree to (cluster mode).
   */
  public static Behavior<Command> create(
      ServerSettings settings,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      Suspensions suspensions,
      AgentAdmission admission) {
    return Behaviors.setup(
        ctx ->
            new AgentRegistry(
                ctx, settings, alerter, events, hub, metrics, suspensions, admission));
  }

  private AgentRegistry(
      ActorContext<Command> context,
      ServerSettings settings,
      ActorRef<DriftAlerter.Command> alerter,
      EventStore events,
      LiveHub hub,
      FlukeMetrics metrics,
      Suspensions suspensions,
      AgentAdmission admission) {
    super(context);
    this.admissions = new Admissions(admission);
    admission.attach(context.getSelf());
    this.settings = settings;
    this.directory =
        new AgentDirectory(
            settings.agents().disconnectedRetention(), settings.agents().disconnectedMax());
    this.feed = new DirectoryFeed(directory, hub, metrics);
    this.fanout =
        new SessionFanout(
            context,
            directory,
            settings.rollout(),
            settings.api().gatherTimeout(),
            settings.clock());
    SessionSpawner sessions =
        new SessionSpawner(
            context, settings, alerter, events, hub, metrics, suspensions, fanout, directory);
    this.registrations =
        new Registrations(
            context, settings, events, metrics, admissions, directory, feed, sessions);
    this.planner = spawnPlanner();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Connect.class, c -> same(() -> registrations.connect(c)))
        .onMessage(DesiredStateChanged.class, d -> same(() -> fanout.desiredState(d)))
        .onMessage(SummaryChanged.class, m -> same(() -> feed.summary(m.summary(), m.session())))
        .onMessage(SessionEnded.class, this::onSessionEnded)
        .onMessage(Abandoned.class, a -> same(() -> registrations.abandoned(a)))
        .onMessage(
            GetAgents.class, g -> same(() -> g.replyTo().tell(directory.all(settings.now()))))
        .onMessage(GetAgent.class, g -> same(() -> fanout.detail(g)))
        .onMessage(Reconcile.class, r -> same(() -> fanout.reconcile(r)))
        .onMessage(SuspensionLifted.class, l -> same(() -> fanout.suspensionLifted(l)))
        .onMessage(IsLive.class, this::onIsLive)
        .onMessage(
            HasReceived.class,
            q -> same(() -> q.replyTo().tell(directory.receivedHere(q.name(), q.key()))))
        .onMessage(Admitted.class, a -> same(() -> registrations.admitted(a)))
        .onMessage(StreamGone.class, g -> same(() -> registrations.streamGone(g)))
        .onMessage(Fence.class, f -> same(() -> registrations.fence(f)))
        .onMessage(Shed.class, s -> same(() -> fanout.shed(s, admissions::epoch)))
        .onMessage(Drain.class, this::onDrain)
        .onMessage(Plan.class, this::onPlan)
        .onMessage(PlannerEnded.class, this::onPlannerEnded)
        .build();
  }

  private Behavior<Command> same(Runnable effect) {
    effect.run();
    return this;
  }

  private Behavior<Command> onSessionEnded(SessionEnded e) {
    if (feed.ended(e.name(), e.session(), settings.now())) {
      admissions.ended(e.name());
    }
    return drainedIfEmpty();
  }

  private Behavior<Command> onDrain(Drain d) {
    registrations.drain();
    fanout.drain();
    drained.add(d.replyTo());
    return drainedIfEmpty();
  }

  private Behavior<Command> drainedIfEmpty() {
    if (!drained.isEmpty() && !directory.anyLive()) {
      drained.forEach(r -> r.tell(Done.getInstance()));
      drained.clear();
    }
    return this;
  }

  private Behavior<Command> onIsLive(IsLive q) {
    q.replyTo().tell(directory.live(q.name()) != null || admissions.admitting(q.name()));
    return this;
  }

  private Behavior<Command> onPlan(Plan p) {
    planner.tell(
        new Planner.Start(
            p.ref(),
            fanout.state(),
            directory.all(settings.now()),
            directory.sessions(),
            p.timeout(),
            p.startedAt(),
            p.replyTo()));
    return this;
  }

  /** The planner stopped (it failed): plans go to a new one; those in flight were dropped. */
  private Behavior<Command> onPlannerEnded(PlannerEnded e) {
    getContext().getLog().warn("The planner stopped; starting a new one");
    planner = spawnPlanner();
    return this;
  }

  private ActorRef<Planner.Command> spawnPlanner() {
    long generation = ++planners;
    ActorRef<Planner.Command> p =
        getContext().spawn(Planner.create(settings, generation), "planner-" + generation);
    getContext().watchWith(p, new PlannerEnded());
    return p;
  }
}

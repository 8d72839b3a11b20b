package dev.fluke.cluster;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.PartialFleet;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The fleet API of a cluster node: the fleet and node lists are read from every node's {@link
 * NodeService} ({@link FleetListing}; an answer says which nodes did not answer in time, their
 * agents listed from the agent directory as {@link CyclePhase#UNKNOWN} rather than with stale
 * state: {@link AgentListMerge}). One agent's detail and reconcile go to the node holding its
 * session ({@link AgentLocations} says which); tasks, drift, reconciles of a task or the fleet,
 * suspensions, plans and rollouts are asked of every node's engine ({@link NodeFanout}, answers in
 * chunks) and merged ({@link FleetMerge}); suspend and resume are broadcast the same way. Events
 * are every node's store merged, or this node's when the store is shared ({@link ClusterEvents});
 * the manifest is the Git singleton's.
 */
public final class ClusterFleetApi implements FleetApi, PartialFleet {
  private final FleetApi local;
  private final Duration timeout;
  private final NodeFanout fanout;
  private final AgentForwarding forwarding;
  private final FleetListing listing;
  private final ClusterEvents events;
  private final int recentEvents;

  /**
   * @param sharedEvents the event store is shared by every node (Redis): events are answered from
   *     this node's store; otherwise every node's store is asked and the answers merged
   * @param recentEvents how many recent events an agent's detail lists ({@code
   *     fluke.server.api.recent-events}): with stores of their own, gathered from every node
   */
  public ClusterFleetApi(
      ActorSystem<?> system,
      FleetApi local,
      ActorRef<AgentLocations.Command> directory,
      String version,
      java.time.Clock clock,
      boolean sharedEvents,
      int recentEvents) {
    Membership membership = Membership.of(system);
    this.local = local;
    this.timeout = ClusterBoot.askTimeout(system);
    this.fanout = new NodeFanout(system, membership, timeout);
    this.forwarding = new AgentForwarding(system, local, membership, directory, fanout, clock);
    this.listing = new FleetListing(system, local, membership, directory, fanout, version, timeout);
    this.events =
        new ClusterEvents(
            local::events,
            sharedEvents,
            query ->
                fanout.everyNode(
                    r -> new NodeService.AskEvents(query, r),
                    fanout.types().constructCollectionType(List.class, Event.class),
                    () -> local.events(query)));
    this.recentEvents = recentEvents;
  }

  @Override
  public CompletionStage<List<Dto.AgentSummary>> agents() {
    return agentsFromEveryNode().thenApply(Dto.Partial::value);
  }

  @Override
  public CompletionStage<Dto.Partial<List<Dto.AgentSummary>>> agentsFromEveryNode() {
    return listing.agents();
  }

  @Override
  public CompletionStage<List<Dto.NodeInfo>> nodes() {
    return listing.nodes();
  }

  // ---- forwarded to the node holding the agent ----

  /**
   * The detail from the node holding the agent; with stores of their own, its recent events are
   * asked of every node at the same time (its history before it moved is on other nodes).
   */
  @Override
  public CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    CompletionStage<Optional<Dto.AgentDetail>> detail = forwarding.agent(name);
    if (!events.merges() || recentEvents == 0) {
      return detail;
    }
    CompletionStage<Dto.Partial<List<Event>>> history =
        events
            .events(new EventQuery(name, null, null, recentEvents))
            .handle((h, failure) -> failure == null ? h : null);
    return detail.thenCombine(
        history, (d, h) -> d.map(found -> ClusterEvents.withHistory(found, h)));
  }

  @Override
  public CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target) {
    return reconcile(target, false);
  }

  @Override
  public CompletionStage<Dto.ReconcileAccepted> reconcile(
      Dto.ReconcileTarget target, boolean force) {
    if (target.kind() == TargetKind.AGENT) {
      return forwarding.reconcile(target, force);
    }
    return fanout
        .<Dto.ReconcileAccepted>everyNode(
            r -> new NodeService.AskReconcile(target, force, r),
            fanout.types().constructType(Dto.ReconcileAccepted.class),
            () -> local.reconcile(target, force))
        .thenApply(
            g ->
                FleetMerge.reconcile(
                    target, g.values(), g.missing(), requestedAt(g.answers().values())));
  }

  private static java.time.Instant requestedAt(java.util.Collection<Dto.ReconcileAccepted> all) {
    return all.stream()
        .map(Dto.ReconcileAccepted::requestedAt)
        .filter(java.util.Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  // ---- merged from every node ----

  @Override
  public CompletionStage<List<Dto.TaskSummary>> tasks() {
    return tasksFromEveryNode().thenApply(Dto.Partial::value);
  }

  @Override
  public CompletionStage<Dto.Partial<List<Dto.TaskSummary>>> tasksFromEveryNode() {
    return fanout
        .<List<Dto.TaskSummary>>everyNode(
            NodeService.AskTasks::new,
            fanout.types().constructCollectionType(List.class, Dto.TaskSummary.class),
            local::tasks)
        .thenApply(g -> new Dto.Partial<>(FleetMerge.tasks(g.values()), g.missing()));
  }

  @Override
  public CompletionStage<Optional<Dto.TaskDetail>> task(String name) {
    return taskFromEveryNode(name).thenApply(Dto.Partial::value);
  }

  @Override
  public CompletionStage<Dto.Partial<Optional<Dto.TaskDetail>>> taskFromEveryNode(String name) {
    return fanout
        .<Optional<Dto.TaskDetail>>everyNode(
            r -> new NodeService.AskTask(name, r),
            fanout.types().constructParametricType(Optional.class, Dto.TaskDetail.class),
            () -> local.task(name))
        .thenCompose(g -> withHolders(g, FleetMerge::task));
  }

  @Override
  public CompletionStage<List<Dto.DriftEntry>> drift() {
    return driftFromEveryNode().thenApply(Dto.Partial::value);
  }

  @Override
  public CompletionStage<Dto.Partial<List<Dto.DriftEntry>>> driftFromEveryNode() {
    return fanout
        .<List<Dto.DriftEntry>>everyNode(
            NodeService.AskDrift::new,
            fanout.types().constructCollectionType(List.class, Dto.DriftEntry.class),
            local::drift)
        .thenCompose(g -> withHolders(g, FleetMerge::drift));
  }

  /** A gathered answer merged with the node holding each live agent, and who did not answer. */
  private <T, R> CompletionStage<Dto.Partial<R>> withHolders(
      NodeFanout.Gathered<T> g, BiFunction<Map<String, T>, Function<String, String>, R> merge) {
    return listing
        .holders()
        .thenApply(
            holders -> new Dto.Partial<>(merge.apply(g.answers(), holders::get), g.missing()));
  }

  // ---- every node's history, merged (or this node's shared store) ----

  @Override
  public CompletionStage<List<Event>> events(EventQuery query) {
    return eventsFromEveryNode(query).thenApply(Dto.Partial::value);
  }

  @Override
  public CompletionStage<Dto.Partial<List<Event>>> eventsFromEveryNode(EventQuery query) {
    return events.events(query);
  }

  // ---- answered by this node ----

  @Override
  public CompletionStage<Dto.ManifestStatus> manifest() {
    return local.manifest();
  }

  @Override
  public CompletionStage<Dto.RewriteAccepted> acceptRewrite(String commit) {
    return local.acceptRewrite(commit);
  }

  // ---- suspensions, plans and rollouts: every node's engine, merged ----

  @Override
  public CompletionStage<List<Suspension>> suspensions() {
    return fanout
        .<List<Suspension>>everyNode(
            NodeService.AskSuspensions::new,
            fanout.types().constructCollectionType(List.class, Suspension.class),
            local::suspensions)
        .thenApply(g -> FleetMerge.suspensions(g.values()));
  }

  /** Suspends the scope on every node: each node's engine holds its own agents' applies back. */
  @Override
  public CompletionStage<Suspension.Change> suspend(
      TargetKind scope, String name, String by, String reason, Duration forHowLong) {
    return fanout
        .<Suspension.Change>everyNode(
            r -> new NodeService.AskSuspend(scope, name, by, reason, forHowLong, r),
            fanout.types().constructType(Suspension.Change.class),
            () -> local.suspend(scope, name, by, reason, forHowLong))
        .thenApply(FleetMerge::change);
  }

  @Override
  public CompletionStage<Suspension.Change> resume(TargetKind scope, String name, String by) {
    return fanout
        .<Suspension.Change>everyNode(
            r -> new NodeService.AskResume(scope, name, by, r),
            fanout.types().constructType(Suspension.Change.class),
            () -> local.resume(scope, name, by))
        .thenApply(FleetMerge::change);
  }

  /**
   * Every node plans the agents it holds; the results are merged per task and per agent. A node
   * that did not answer makes the plan's verdict {@code errors}, naming it.
   */
  @Override
  public CompletionStage<dev.fluke.api.PlanResult> plan(String ref, Duration checks) {
    Duration wait =
        (checks == null ? dev.fluke.api.PlanResult.DEFAULT_TIMEOUT : checks)
            .plus(timeout)
            .plus(timeout);
    return fanout
        .<dev.fluke.api.PlanResult>everyNode(
            r -> new NodeService.AskPlan(ref, checks, r),
            fanout.types().constructType(dev.fluke.api.PlanResult.class),
            () -> local.plan(ref, checks),
            wait)
        .thenApply(g -> FleetMerge.plan(g.values(), g.missing()));
  }

  /**
   * Each node stages the agents it holds (see cluster.md): the rollouts of every node, merged per
   * task.
   */
  @Override
  public CompletionStage<List<Dto.RolloutStatus>> rollouts() {
    return fanout
        .<List<Dto.RolloutStatus>>everyNode(
            NodeService.AskRollouts::new,
            fanout.types().constructCollectionType(List.class, Dto.RolloutStatus.class),
            local::rollouts)
        .thenApply(g -> FleetMerge.rollouts(g.values()));
  }

  @Override
  public CompletionStage<Optional<Dto.RolloutStatus>> rollout(String task) {
    return rollouts().thenApply(all -> all.stream().filter(r -> r.task().equals(task)).findFirst());
  }

  /** Resumes the task's rollout on every node (each node's part of it). */
  @Override
  public CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(String task, String who) {
    return fanout
        .<Optional<Dto.RolloutStatus>>everyNode(
            r -> new NodeService.AskResumeRollout(task, who, r),
            fanout.types().constructParametricType(Optional.class, Dto.RolloutStatus.class),
            () -> local.resumeRollout(task, who))
        .thenApply(g -> g.values().stream().flatMap(Optional::stream).reduce(FleetMerge::rollout));
  }
}

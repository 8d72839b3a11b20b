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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The fleet API of a cluster node: the fleet list is gathered from every node's {@link NodeService}
 * (paged, one deadline for all), and an answer says which nodes did not answer in time; their
 * agents are listed from the agent directory as {@link CyclePhase#UNKNOWN} rather than with stale
 * state. One agent's detail and reconcile go to the node holding its session ({@link
 * AgentLocations} says which); tasks, drift, reconciles of a task or the fleet, suspensions, plans
 * and rollouts are asked of every node's engine ({@link NodeFanout}, answers in chunks) and merged
 * ({@link FleetMerge}). Events and the manifest (through the Git singleton) are this node's.
 */
public final class ClusterFleetApi implements FleetApi, PartialFleet {
  private final ActorSystem<?> system;
  private final FleetApi local;
  private final Membership membership;
  private final ActorRef<AgentLocations.Command> directory;
  private final String version;
  private final Duration timeout;
  private final NodeFanout fanout;
  private final java.time.Clock clock;
  private final AgentForwarding forwarding;

  public ClusterFleetApi(
      ActorSystem<?> system,
      FleetApi local,
      ActorRef<AgentLocations.Command> directory,
      String version,
      java.time.Clock clock) {
    this.clock = clock;
    this.system = system;
    this.local = local;
    this.membership = Membership.of(system);
    this.directory = directory;
    this.version = version;
    this.timeout = ClusterBoot.askTimeout(system);
    this.fanout = new NodeFanout(system, membership, timeout);
    this.forwarding = new AgentForwarding(system, local, membership, directory, fanout, clock);
  }

  @Override
  public CompletionStage<List<Dto.AgentSummary>> agents() {
    return agentsFromEveryNode().thenApply(Dto.Partial::value);
  }

  @Override
  public CompletionStage<Dto.Partial<List<Dto.AgentSummary>>> agentsFromEveryNode() {
    String self = membership.self();
    CompletionStage<List<Dto.AgentSummary>> mine = local.agents();
    return services()
        .thenCompose(
            services -> {
              Map<String, CompletableFuture<List<Dto.AgentSummary>>> answers = new TreeMap<>();
              for (var e : services.entrySet()) {
                if (!e.getKey().equals(self)) {
                  answers.put(e.getKey(), allPages(e.getValue(), 0, new ArrayList<>()));
                }
              }
              CompletableFuture<?>[] all =
                  answers.values().stream()
                      .map(f -> f.exceptionally(t -> null))
                      .toArray(CompletableFuture[]::new);
              return mine.thenCombine(CompletableFuture.allOf(all), (m, ignored) -> m)
                  .thenCompose(m -> merge(self, m, answers));
            });
  }

  private CompletionStage<Dto.Partial<List<Dto.AgentSummary>>> merge(
      String self,
      List<Dto.AgentSummary> mine,
      Map<String, CompletableFuture<List<Dto.AgentSummary>>> answers) {
    Map<String, Dto.AgentSummary> byName = new HashMap<>();
    for (Dto.AgentSummary a : mine) {
      keep(byName, a.onNode(self));
    }
    List<String> missing = new ArrayList<>();
    // Members that are up but whose service was not even listed did not answer either.
    for (Membership.Node n : membership.members()) {
      if (!n.self() && !answers.containsKey(n.address()) && !n.status().equals("down")) {
        missing.add(n.address());
      }
    }
    for (var e : answers.entrySet()) {
      CompletableFuture<List<Dto.AgentSummary>> f = e.getValue();
      List<Dto.AgentSummary> got = f.isCompletedExceptionally() ? null : f.getNow(null);
      if (got == null) {
        missing.add(e.getKey());
      } else {
        for (Dto.AgentSummary a : got) {
          keep(byName, a.onNode(e.getKey()));
        }
      }
    }
    // Agents whose node did not answer, or is no longer a member (crashed and removed, and the
    // agent has not registered elsewhere yet), come from the directory as unknown.
    Set<String> answered = new java.util.HashSet<>();
    answered.add(self);
    for (var e : answers.entrySet()) {
      if (!missing.contains(e.getKey())) {
        answered.add(e.getKey());
      }
    }
    return AskPattern.<AgentLocations.Command, Map<String, AgentLocation>>ask(
            directory, AgentLocations.GetAll::new, timeout, system.scheduler())
        .exceptionally(t -> Map.of())
        .thenApply(
            entries -> {
              for (var e : entries.entrySet()) {
                AgentLocation l = e.getValue();
                Dto.AgentSummary known = byName.get(e.getKey());
                if (l.live()
                    && !answered.contains(l.node())
                    && (known == null || !known.connected())) {
                  byName.put(e.getKey(), unknown(e.getKey(), l.node()));
                }
              }
              return new Dto.Partial<>(
                  sorted(byName), List.copyOf(missing.stream().sorted().toList()));
            });
  }

  /** An agent of a node that did not answer: nothing about it is shown as current. */
  static Dto.AgentSummary unknown(String name, String node) {
    return new Dto.AgentSummary(
        name,
        Map.of(),
        null,
        false,
        null,
        null,
        CyclePhase.UNKNOWN,
        null,
        Dto.StatusCounts.EMPTY,
        0,
        node);
  }

  /** One summary per agent: a connected one wins, else the most recently seen. */
  static void keep(Map<String, Dto.AgentSummary> byName, Dto.AgentSummary a) {
    byName.merge(
        a.name(),
        a,
        (x, y) -> {
          if (x.connected() != y.connected()) {
            return x.connected() ? x : y;
          }
          if (x.lastSeen() == null) {
            return y;
          }
          return y.lastSeen() != null && y.lastSeen().isAfter(x.lastSeen()) ? y : x;
        });
  }

  private static List<Dto.AgentSummary> sorted(Map<String, Dto.AgentSummary> byName) {
    return byName.values().stream().sorted(Comparator.comparing(Dto.AgentSummary::name)).toList();
  }

  private CompletableFuture<List<Dto.AgentSummary>> allPages(
      ActorRef<NodeService.Command> node, int offset, List<Dto.AgentSummary> so) {
    return AskPattern.<NodeService.Command, NodeService.AgentsPage>ask(
            node, r -> new NodeService.GetAgents(offset, r), timeout, system.scheduler())
        .toCompletableFuture()
        .thenCompose(
            page -> {
              so.addAll(page.agents());
              int next = offset + page.agents().size();
              return page.agents().isEmpty() || next >= page.total()
                  ? CompletableFuture.completedFuture(so)
                  : allPages(node, next, so);
            })
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Every node's service, by node address. */
  private CompletionStage<Map<String, ActorRef<NodeService.Command>>> services() {
    return fanout.services();
  }

  @Override
  public CompletionStage<List<Dto.NodeInfo>> nodes() {
    String oldest = membership.oldestUp();
    return services()
        .exceptionally(t -> Map.of())
        .thenCompose(
            services -> {
              List<CompletableFuture<Dto.NodeInfo>> infos = new ArrayList<>();
              for (Membership.Node n : membership.members()) {
                List<String> singletons =
                    n.address().equals(oldest) ? List.of(ClusterGit.SINGLETON) : List.of();
                ActorRef<NodeService.Command> service = services.get(n.address());
                CompletableFuture<NodeService.Stats> stats =
                    service == null || !n.reachable()
                        ? CompletableFuture.failedFuture(new IllegalStateException("not asked"))
                        : AskPattern.<NodeService.Command, NodeService.Stats>ask(
                                service, NodeService.GetStats::new, timeout, system.scheduler())
                            .toCompletableFuture();
                infos.add(
                    stats.handle(
                        (s, failure) ->
                            new Dto.NodeInfo(
                                n.address(),
                                n.status(),
                                n.reachable(),
                                s != null,
                                s != null ? s.agents() : -1,
                                n.leader(),
                                singletons,
                                s != null ? s.version() : (n.self() ? version : null),
                                n.self())));
              }
              return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
                  .thenApply(v -> infos.stream().map(CompletableFuture::join).toList());
            });
  }

  // ---- forwarded to the node holding the agent ----

  @Override
  public CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    return forwarding.agent(name);
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
        .thenCompose(
            g ->
                holders()
                    .thenApply(
                        holders ->
                            new Dto.Partial<>(
                                FleetMerge.task(g.answers(), holders::get), g.missing())));
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
        .thenCompose(
            g ->
                holders()
                    .thenApply(
                        holders ->
                            new Dto.Partial<>(
                                FleetMerge.drift(g.answers(), holders::get), g.missing())));
  }

  /** The node holding each live agent, from this node's replica of the directory. */
  private CompletionStage<Map<String, String>> holders() {
    return AskPattern.<AgentLocations.Command, Map<String, AgentLocation>>ask(
            directory, AgentLocations.GetAll::new, timeout, system.scheduler())
        .exceptionally(t -> Map.of())
        .thenApply(
            all -> {
              Map<String, String> out = new HashMap<>();
              all.forEach(
                  (name, l) -> {
                    if (l.live()) {
                      out.put(name, l.node());
                    }
                  });
              return out;
            });
  }

  // ---- answered by this node ----

  @Override
  public CompletionStage<List<Event>> events(EventQuery query) {
    return local.events(query);
  }

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

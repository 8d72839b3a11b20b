package dev.fluke.cluster;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The fleet API of a cluster node: the fleet list is gathered from every node's {@link NodeService}
 * (paged, one deadline for all), and an answer says which nodes did not answer in time; their
 * agents are listed from the agent directory as {@link CyclePhase#UNKNOWN} rather than with stale
 * state. Questions this node answers alone (tasks, drift, events, manifest through the Git
 * singleton) go to the node's own API.
 */
public final class ClusterFleetApi implements FleetApi {
  private final ActorSystem<?> system;
  private final FleetApi local;
  private final Membership membership;
  private final ActorRef<AgentLocations.Command> directory;
  private final String version;
  private final Duration timeout;

  public ClusterFleetApi(
      ActorSystem<?> system,
      FleetApi local,
      ActorRef<AgentLocations.Command> directory,
      String version) {
    this.system = system;
    this.local = local;
    this.membership = Membership.of(system);
    this.directory = directory;
    this.version = version;
    this.timeout = ClusterBoot.askTimeout(system);
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
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(),
            r -> Receptionist.find(NodeService.KEY, r),
            timeout,
            system.scheduler())
        .thenApply(
            listing -> {
              Map<String, ActorRef<NodeService.Command>> out = new LinkedHashMap<>();
              for (ActorRef<NodeService.Command> ref :
                  listing.getServiceInstances(NodeService.KEY)) {
                out.put(ClusterBoot.addressOf(system, ref), ref);
              }
              return out;
            });
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

  // ---- answered by this node ----

  @Override
  public CompletionStage<Optional<Dto.AgentDetail>> agent(String name) {
    return local.agent(name);
  }

  @Override
  public CompletionStage<List<Dto.TaskSummary>> tasks() {
    return local.tasks();
  }

  @Override
  public CompletionStage<Optional<Dto.TaskDetail>> task(String name) {
    return local.task(name);
  }

  @Override
  public CompletionStage<List<Dto.DriftEntry>> drift() {
    return local.drift();
  }

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

  @Override
  public CompletionStage<Dto.ReconcileAccepted> reconcile(Dto.ReconcileTarget target) {
    return local.reconcile(target);
  }

  // Suspensions are this node's (see cluster.md, "Not done yet"): asked of the node's own engine.

  @Override
  public CompletionStage<Dto.ReconcileAccepted> reconcile(
      Dto.ReconcileTarget target, boolean force) {
    return local.reconcile(target, force);
  }

  @Override
  public CompletionStage<List<Suspension>> suspensions() {
    return local.suspensions();
  }

  @Override
  public CompletionStage<Suspension.Change> suspend(
      TargetKind scope, String name, String by, String reason, Duration forHowLong) {
    return local.suspend(scope, name, by, reason, forHowLong);
  }

  @Override
  public CompletionStage<Suspension.Change> resume(TargetKind scope, String name, String by) {
    return local.resume(scope, name, by);
  }

  /** A plan covers the agents connected to this node (see cluster.md, "Not done yet"). */
  @Override
  public CompletionStage<dev.fluke.api.PlanResult> plan(String ref, Duration timeout) {
    return local.plan(ref, timeout);
  }

  // Rollouts (issue 10) are this node's: its task reconcilers stage the agents connected to it
  // (see cluster.md, "Not done yet").
  @Override
  public CompletionStage<List<Dto.RolloutStatus>> rollouts() {
    return local.rollouts();
  }

  @Override
  public CompletionStage<Optional<Dto.RolloutStatus>> rollout(String task) {
    return local.rollout(task);
  }

  @Override
  public CompletionStage<Optional<Dto.RolloutStatus>> resumeRollout(String task, String who) {
    return local.resumeRollout(task, who);
  }
}

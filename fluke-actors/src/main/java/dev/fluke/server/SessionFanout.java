package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.TargetKind;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * What the {@link AgentRegistry} hands to its agents' sessions (plain, called on the registry's
 * thread): the state in force and the cycles it starts — a new commit and a lifted suspension paced
 * by rollout slots, a manual reconcile at once — and the question for one agent's detail. Keeps the
 * state in force and its reconcilers, which new sessions start with.
 */
final class SessionFanout {
  private final ActorContext<?> context;
  private final AgentDirectory directory;
  private final ServerSettings.Rollout rollout;
  private final Duration detailTimeout;
  private final Clock clock;
  private DesiredState state;
  private Map<String, ActorRef<TaskReconciler.Command>> reconcilers = Map.of();

  /**
   * @param context the registry's, for the questions to sessions (short-lived children)
   * @param detailTimeout how long a session may take to answer with an agent's detail
   */
  SessionFanout(
      ActorContext<?> context,
      AgentDirectory directory,
      ServerSettings.Rollout rollout,
      Duration detailTimeout,
      Clock clock) {
    this.context = context;
    this.directory = directory;
    this.rollout = rollout;
    this.detailTimeout = detailTimeout;
    this.clock = clock;
  }

  /** The state in force (null before the first), for new sessions. */
  DesiredState state() {
    return state;
  }

  /** The reconcilers of the state in force's tasks, for new sessions. */
  Map<String, ActorRef<TaskReconciler.Command>> reconcilers() {
    return reconcilers;
  }

  /** A new state: every live agent's runner gets it; a new commit starts their cycles, paced. */
  void desiredState(AgentRegistry.DesiredStateChanged d) {
    state = d.state();
    reconcilers = d.reconcilers();
    startCycles(directory.liveNames(), d.newCommit());
  }

  /**
   * A suspension ended: the agents it covered (one agent, or all for a task's or the fleet's) check
   * again with the same state, paced like a new commit; nothing is rematched.
   */
  void suspensionLifted(AgentRegistry.SuspensionLifted l) {
    if (state == null) {
      return;
    }
    startCycles(
        l.scope() == TargetKind.AGENT
            ? directory.liveNames().stream().filter(l.name()::equals).toList()
            : directory.liveNames(),
        true);
  }

  /** A manual reconcile: its agents' runners start a cycle now; the caller hears what started. */
  void reconcile(AgentRegistry.Reconcile r) {
    ManualStart start = ManualStart.of(directory, r.target(), r.requestId(), clock.instant());
    for (String name : start.agents()) {
      toRunner(name, new CycleRunner.ManualReconcile(Set.of(), r.requestId(), r.force()));
    }
    r.replyTo().tell(start.answer());
  }

  /**
   * Asks up to {@code s.count()} sessions whose agents are between cycles, newest connection first
   * (they have the least history here), to end their streams so the agents reconnect to another
   * node ({@link AgentSession.Move}); a session whose cycle has started meanwhile stays.
   */
  void shed(AgentRegistry.Shed s, ToLongFunction<String> epochs) {
    List<AgentDirectory.Live> asked =
        directory.liveNames().stream()
            .map(directory::live)
            .filter(l -> l.summary().cycle() == CyclePhase.IDLE)
            .sorted(
                Comparator.comparing((AgentDirectory.Live l) -> l.summary().connectedAt())
                    .reversed())
            .limit(s.count())
            .toList();
    asked.forEach(l -> l.session().tell(new AgentSession.Move(s.why())));
    Map<String, Long> moving = new HashMap<>();
    asked.forEach(l -> moving.put(l.summary().name(), epochs.applyAsLong(l.summary().name())));
    s.replyTo().tell(new AgentRegistry.Shedding(moving));
  }

  /** This node stops: every session ends its stream once its acknowledgements are out. */
  void drain() {
    directory.sessions().values().forEach(s -> s.tell(AgentSession.Drain.INSTANCE));
  }

  /**
   * One agent's detail: a live agent's session answers; a session that is just stopping drops the
   * question, and the answer is then the summary held here, as the disconnected agent it now is. A
   * disconnected agent's is its last summary; an unknown agent's is empty.
   */
  void detail(AgentRegistry.GetAgent g) {
    AgentDirectory.Live l = directory.live(g.name());
    if (l != null) {
      Dto.AgentSummary summary = l.summary();
      AskOrFallback.ask(
          context,
          l.session(),
          AgentSession.GetDetail::new,
          detailTimeout,
          g.replyTo(),
          stopped ->
              Optional.of(detailOf(stopped ? AgentDirectory.disconnected(summary) : summary)));
      return;
    }
    Dto.AgentSummary s = directory.disconnectedSummary(g.name(), clock.instant());
    g.replyTo().tell(Optional.ofNullable(s).map(SessionFanout::detailOf));
  }

  private static Dto.AgentDetail detailOf(Dto.AgentSummary summary) {
    return new Dto.AgentDetail(summary, List.of(), List.of());
  }

  /**
   * Hands the state in force to the runners of {@code agents}; {@code paced}: each starts a cycle
   * at its rollout slot. A new commit reaches the fleet that way: the first agents (by name) start
   * at once, the rest at the configured rate, so a large fleet neither checks nor applies a commit
   * all at once. Not paced (a reconciler was replaced), nothing starts.
   */
  private void startCycles(List<String> agents, boolean paced) {
    int slot = 0;
    for (String agent : agents) {
      toRunner(
          agent,
          new CycleRunner.DesiredStateChanged(
              state, reconcilers, paced ? rollout.delayOf(slot++) : null));
    }
  }

  private void toRunner(String agent, CycleRunner.Command command) {
    directory.live(agent).session().tell(new AgentSession.ForRunner(command));
  }
}

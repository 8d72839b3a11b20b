package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The {@link AgentRegistry}'s child that runs the plans ({@code fluke plan}): gives each plan its
 * own negative cycle id, spawns one {@link PlanQuery} per plan with the fleet as the registry saw
 * it, and keeps which plans are in flight until their query stops. The registry watches it and
 * starts a new one (a new {@code generation}, so its ids never meet an old plan's) if it stops.
 */
final class Planner extends AbstractBehavior<Planner.Command> {

  sealed interface Command {}

  /** Plan {@code ref} against {@code inForce} on the {@code agents} and their {@code sessions}. */
  record Start(
      ManifestSync.Planned ref,
      DesiredState inForce,
      List<Dto.AgentSummary> agents,
      Map<String, ActorRef<AgentSession.Command>> sessions,
      Duration timeout,
      Instant startedAt,
      ActorRef<PlanResult> replyTo)
      implements Command {}

  /** Replies with the cycle ids of the plans in flight. */
  record GetRunning(ActorRef<Set<Long>> replyTo) implements Command {}

  private record Ended(long cycleId) implements Command {}

  private final ServerSettings settings;
  private final long base;
  private final Set<Long> running = new HashSet<>();
  private long plans;

  /** A planner whose plans' cycle ids are {@code -(generation << 32 | n)}, n = 1, 2, ... */
  static Behavior<Command> create(ServerSettings settings, long generation) {
    return Behaviors.setup(ctx -> new Planner(ctx, settings, generation << 32));
  }

  private Planner(ActorContext<Command> context, ServerSettings settings, long base) {
    super(context);
    this.settings = settings;
    this.base = base;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Ended.class, this::onEnded)
        .onMessage(GetRunning.class, this::onGetRunning)
        .build();
  }

  private Behavior<Command> onStart(Start s) {
    long number = base | ++plans;
    long cycleId = -number;
    ActorRef<PlanQuery.Command> query =
        getContext()
            .spawn(
                PlanQuery.create(
                    new PlanQuery.Setup(
                        s.ref(),
                        s.inForce(),
                        s.agents(),
                        s.sessions(),
                        cycleId,
                        s.timeout(),
                        s.startedAt(),
                        settings,
                        s.replyTo())),
                "plan-" + number);
    getContext().watchWith(query, new Ended(cycleId));
    running.add(cycleId);
    return this;
  }

  private Behavior<Command> onEnded(Ended e) {
    running.remove(e.cycleId());
    return this;
  }

  private Behavior<Command> onGetRunning(GetRunning g) {
    g.replyTo().tell(Set.copyOf(running));
    return this;
  }
}

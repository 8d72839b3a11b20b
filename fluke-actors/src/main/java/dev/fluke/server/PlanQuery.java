package dev.fluke.server;

import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.hcl.Durations;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One plan ({@code fluke plan --ref}), short-lived: computes the {@link PlanDiff} of the ref
 * against the state in force, asks each connected agent that would match a new or changed task to
 * run only those checks ({@link CycleRunner.PlanCheck}, with the plan's own negative cycle id, so
 * the agent's reconcile cycles never see them), gathers the answers until every agent answered or
 * the plan's timeout, replies the {@link PlanResult} and stops. Agents that did not answer in time
 * are told to drop the check ({@link CycleRunner.PlanCheckDropped}); one that disconnects counts as
 * not connected. Nothing here changes a task's status or records an event.
 */
final class PlanQuery {

  sealed interface Command {}

  /** From an agent's runner: its answer to the plan's CheckRequest. */
  record Reported(String agent, AgentMessage.CheckReport report) implements Command {}

  private record Gone(String agent) implements Command {}

  private enum Timeout implements Command {
    INSTANCE
  }

  /** What a plan starts with: the loaded ref and the fleet as the registry sees it. */
  record Setup(
      ManifestSync.Planned ref,
      DesiredState inForce,
      List<Dto.AgentSummary> agents,
      Map<String, ActorRef<AgentSession.Command>> sessions,
      long cycleId,
      Duration timeout,
      Instant startedAt,
      ServerSettings settings,
      ActorRef<PlanResult> replyTo) {}

  static Behavior<Command> create(Setup s) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new PlanQuery(ctx, timers, s).start()));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Setup s;

  private PlanQuery(ActorContext<Command> context, TimerScheduler<Command> timers, Setup s) {
    this.context = context;
    this.timers = timers;
    this.s = s;
  }

  private String inForceCommit() {
    return s.inForce() == null ? null : s.inForce().commit();
  }

  private Behavior<Command> start() {
    ManifestSync.Planned ref = s.ref();
    if (ref.manifests() == null || !ref.manifests().ok()) {
      return failed(ref);
    }
    PlanDiff diff =
        PlanDiff.of(
            s.inForce() == null ? List.of() : s.inForce().tasks(),
            ref.manifests().tasks(),
            s.agents());
    Map<String, PlanDiff.Answer> answers = new HashMap<>();
    for (Map.Entry<String, List<TaskSpec>> e : diff.checks().entrySet()) {
      ActorRef<AgentSession.Command> session = s.sessions().get(e.getKey());
      if (session == null) {
        answers.put(e.getKey(), new PlanDiff.Answer.Gone("the agent disconnected"));
        continue;
      }
      context.watchWith(session, new Gone(e.getKey()));
      session.tell(
          new AgentSession.ForRunner(
              new CycleRunner.PlanCheck(s.cycleId(), e.getValue(), context.getSelf())));
    }
    timers.startSingleTimer(Timeout.INSTANCE, s.timeout());
    return gathering(diff, Map.copyOf(answers));
  }

  /** The ref could not be planned: answered at once, nobody is asked. */
  private Behavior<Command> failed(ManifestSync.Planned ref) {
    String why =
        ref.manifests() == null
            ? ref.error()
            : "the manifests of "
                + ref.ref()
                + " have "
                + ref.manifests().totalErrors()
                + " error(s); the first: "
                + ref.manifests().errors().get(0).format();
    context.getLog().info("Plan of {}: {}", ref.ref(), why);
    s.replyTo()
        .tell(
            PlanResult.failed(
                ref.ref(),
                ref.commit(),
                inForceCommit(),
                why,
                ref.manifests() == null ? List.of() : ref.manifests().errors(),
                s.startedAt(),
                s.settings().now()));
    return Behaviors.stopped();
  }

  /** Waiting for the agents' answers; {@code answers} holds those in so far (immutable). */
  private Behavior<Command> gathering(PlanDiff diff, Map<String, PlanDiff.Answer> answers) {
    if (answers.keySet().containsAll(diff.checks().keySet())) {
      return done(diff, answers);
    }
    return Behaviors.receive(Command.class)
        .onMessage(Reported.class, r -> onReported(diff, answers, r))
        .onMessage(Gone.class, g -> onGone(diff, answers, g))
        .onMessageEquals(Timeout.INSTANCE, () -> onTimeout(diff, answers))
        .build();
  }

  private Behavior<Command> onReported(
      PlanDiff diff, Map<String, PlanDiff.Answer> answers, Reported r) {
    return answered(diff, answers, r.agent(), new PlanDiff.Answer.Reported(r.report()));
  }

  private Behavior<Command> onGone(PlanDiff diff, Map<String, PlanDiff.Answer> answers, Gone g) {
    return answered(
        diff,
        answers,
        g.agent(),
        new PlanDiff.Answer.Gone("the agent disconnected during the plan"));
  }

  private Behavior<Command> answered(
      PlanDiff diff, Map<String, PlanDiff.Answer> answers, String agent, PlanDiff.Answer answer) {
    if (!diff.checks().containsKey(agent) || answers.containsKey(agent)) {
      return Behaviors.same();
    }
    Map<String, PlanDiff.Answer> more = new HashMap<>(answers);
    more.put(agent, answer);
    return gathering(diff, Map.copyOf(more));
  }

  private Behavior<Command> onTimeout(PlanDiff diff, Map<String, PlanDiff.Answer> answers) {
    for (String agent : diff.checks().keySet()) {
      ActorRef<AgentSession.Command> session = s.sessions().get(agent);
      if (!answers.containsKey(agent) && session != null) {
        session.tell(new AgentSession.ForRunner(new CycleRunner.PlanCheckDropped(s.cycleId())));
      }
    }
    context
        .getLog()
        .info(
            "Plan of {}: {} agent(s) did not answer within {}",
            s.ref().ref(),
            diff.checks().size() - answers.size(),
            Durations.format(s.timeout()));
    return done(diff, answers);
  }

  private Behavior<Command> done(PlanDiff diff, Map<String, PlanDiff.Answer> answers) {
    Set<String> connected = s.sessions().keySet();
    PlanResult result =
        diff.result(
            s.ref().ref(),
            s.ref().commit(),
            inForceCommit(),
            connected,
            answers,
            s.startedAt(),
            s.settings().now());
    context
        .getLog()
        .info("Plan of {} ({}): {}", s.ref().ref(), s.ref().commit(), result.verdict().word());
    s.replyTo().tell(result);
    return Behaviors.stopped();
  }
}

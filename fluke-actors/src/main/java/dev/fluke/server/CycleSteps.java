package dev.fluke.server;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.hcl.Durations;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * What one {@link CycleRunner}'s cycles do with each trigger, agent message and timeout, and where
 * the runner goes next ({@link Next}): the cycle in flight is passed in (null when idle) and the
 * next one returned, so the runner's behaviors stay one line per message. Owns what the runner
 * wires from its session's {@link SessionSetup}: the statuses ({@link AgentTasks}), the effects of
 * reports ({@link AgentReports}), the gates, the pace, the apply queue ({@link ApplyQueue}:
 * requests and output) and the link to the session. Not an actor: used on the runner's thread only.
 */
final class CycleSteps {

  /**
   * Where the runner goes after a step: it stays as it is ({@link #SAME}), or goes to the phase of
   * {@code cycle}, the cycle now in flight (idle when null).
   */
  record Next(boolean same, Cycle cycle) {
    static final Next SAME = new Next(true, null);
    static final Next IDLE = new Next(false, null);

    static Next to(Cycle cycle) {
      return new Next(false, cycle);
    }
  }

  private final RunnerTimers timers;
  private final ServerSettings settings;
  private final String name;
  private final RunnerLink link;
  private final PlanChecks plans;
  private final AgentTasks tasks;
  private final AgentReports reports;
  private final ApplyQueue applies;
  private final boolean webhook;
  private final CycleGates gates;
  private final Logger log;

  private Pace pace;
  private Dto.ManualResult lastManual;
  private CyclePhase phase = CyclePhase.IDLE;

  /** The steps of the runner {@code self} of the session {@code s} describes. */
  CycleSteps(
      SessionSetup s,
      ActorRef<AgentSession.Command> session,
      SessionEvents events,
      RunnerTimers timers,
      ActorRef<CycleRunner.Command> self,
      Logger log) {
    this.timers = timers;
    this.log = log;
    this.settings = s.settings();
    this.name = s.register().name();
    this.link = new RunnerLink(s.out(), session, s.received());
    this.plans = new PlanChecks(name, link);
    this.webhook = settings.alerts().webhook() != null;
    this.gates =
        new CycleGates(
            name,
            s.suspensions(),
            settings.reconcile().defaultRollout(),
            settings.reconcile().flapLimit());
    this.pace = Pace.start(s.cycleBase());
    Map<String, String> labels = s.register().labels();
    this.tasks =
        new AgentTasks(name, labels, settings.reconcile().defaultPolicy(), self, s.alerter());
    this.reports =
        new AgentReports(
            name,
            labels,
            tasks,
            s.alerter(),
            events,
            s.received(),
            webhook,
            log,
            gates.flaps(),
            settings.reconcile().flapLimit(),
            gates.rollouts());
    this.applies = new ApplyQueue(name, tasks, link, s.live(), settings.agents().outputLines());
  }

  /** The plans' checks, handled beside the cycle in every phase. */
  PlanChecks plans() {
    return plans;
  }

  /**
   * The runner starts on {@code state}: the interval runs, and the (re)connect trigger starts a
   * cycle, so the fleet's drift is known again within one cycle of a restart.
   */
  Next start(DesiredState state, Map<String, ActorRef<TaskReconciler.Command>> reconcilers) {
    timers.startInterval(name);
    tasks.rematch(state, reconcilers);
    return startCycle(CycleRequest.AUTOMATIC);
  }

  /** The runner is in phase {@code p} now: the session is told. */
  void entered(CyclePhase p) {
    phase = p;
    reportStatus();
  }

  /** The runner stopped: the agent's tasks are shown disconnected. */
  void stopped() {
    tasks.disconnected();
  }

  // ---- triggers ----

  /**
   * A trigger starts a cycle when idle ({@code inFlight} null) and merges into the one follow-up
   * while a cycle is in flight.
   */
  Next trigger(Cycle inFlight, CycleRequest r) {
    if (inFlight == null) {
      return startCycle(r);
    }
    pace = pace.later(r);
    return Next.SAME;
  }

  /** Tasks are rematched at once; a commit's cycle comes at this agent's rollout slot. */
  Next desiredState(Cycle inFlight, CycleRunner.DesiredStateChanged d) {
    tasks.rematch(d.state(), d.reconcilers());
    reportStatus();
    if (d.cycleDelay() == null) {
      return Next.SAME;
    }
    gates.newCommit(); // flapping tasks are remediated again (issue 10)
    // The cycle checks whatever is in force when the slot comes.
    return timers.commitIn(d.cycleDelay()) ? trigger(inFlight, CycleRequest.AUTOMATIC) : Next.SAME;
  }

  Next manualReconcile(Cycle inFlight, CycleRunner.ManualReconcile m) {
    if (!m.tasks().isEmpty() && !tasks.anyMatched(m.tasks())) {
      // Nothing of it is here (any more): the request is served by doing nothing.
      pace = pace.served(m.requestId());
      lastManual = new Dto.ManualResult(m.requestId(), settings.now(), List.of());
      reportStatus();
      return Next.SAME;
    }
    return trigger(inFlight, CycleRequest.manual(m.tasks(), m.requestId(), m.force()));
  }

  Next rolloutGate(Cycle inFlight, CycleRunner.RolloutGate g) {
    gates.rolloutGate(g, pace.lastIssued() + 1);
    if (!g.allowed() || !tasks.current(g.spec())) {
      return Next.SAME;
    }
    // Allowed: a cycle now (or as the follow-up) applies it and reports the verdict.
    return trigger(inFlight, CycleRequest.AUTOMATIC);
  }

  /** The agent's detail, with the task being applied by {@code inFlight} (null when idle). */
  Optional<Dto.AgentDetail> detail(Cycle inFlight, Dto.AgentSummary summary) {
    TaskSpec applying = inFlight == null ? null : inFlight.applying();
    return Optional.of(
        tasks.detail(summary, applying, applies.output(), settings.now(), lastManual));
  }

  // ---- agent messages: each is acknowledged once handled (acknowledge) ----

  /**
   * Cluster mode: when {@code m} is a late apply result this node has not received, whether another
   * node recorded it (then {@link #fromAgent} takes it for a duplicate); null when {@code m} needs
   * no looking up.
   */
  CompletionStage<Boolean> lookUp(CycleRunner.FromAgent m) {
    return m.message() instanceof AgentMessage.ApplyResult r ? reports.lookUp(r) : null;
  }

  /**
   * A CheckReport, ApplyOutput or ApplyResult while {@code c} is in flight (null when idle):
   * advances {@code c} when it is what its phase waits for ({@link MessageFit}).
   */
  Next fromAgent(Cycle c, CycleRunner.FromAgent m) {
    MessageFit fit = MessageFit.of(c, m.message());
    if (fit instanceof MessageFit.Checked k) {
      return checked(c, k.report());
    }
    if (fit instanceof MessageFit.Output o) {
      applies.output(o.output());
    } else if (fit instanceof MessageFit.Applied a) {
      applies.output().clear();
      boolean manual = c.request().isManual(c.applying().name());
      return nextApply(
          c.applied(reports.inCycle(c.applying(), a.result(), settings.now(), manual)));
    } else if (fit instanceof MessageFit.Broken b) {
      return broken(b.reason());
    } else if (fit instanceof MessageFit.Outside r) {
      reports.other(r.result(), c == null ? null : c.applying(), settings.now());
      reportStatus();
    }
    return Next.SAME;
  }

  /**
   * {@code m} is handled: the agent may send its next message. Called after the runner entered the
   * phase {@code m} led to, so the session hears that status first: a heartbeat the ack lets in,
   * then the stream's end, can never overtake the last status of the session.
   */
  void acknowledge(CycleRunner.FromAgent m) {
    link.acknowledge(m);
  }

  /** The request of cycle {@code cycleId} got no answer in time; stale timeouts are ignored. */
  Next timedOut(Cycle c, long cycleId) {
    if (c == null || cycleId != c.id()) {
      return Next.SAME;
    }
    reports.timedOut(c, applies.output().text(), settings.reconcile(), settings.now());
    applies.output().clear();
    link.send(new ServerMessage.Cancel(c.id()));
    // The rest of the cycle is dropped: after an apply timeout the agent may still run it.
    return endCycle(c.givenUp());
  }

  // ---- the cycle ----

  private Next startCycle(CycleRequest r) {
    timers.starting(r.full());
    List<TaskSpec> selected = r.select(tasks.matched());
    pace = pace.issue();
    Cycle c = Cycle.checking(pace.lastIssued(), r, selected);
    if (selected.isEmpty()) {
      return endCycle(c);
    }
    link.send(new ServerMessage.CheckRequest(c.id(), selected));
    timers.checking(c.id());
    return Next.to(c);
  }

  private Next checked(Cycle c, AgentMessage.CheckReport report) {
    Instant now = settings.now();
    gates.checkedByHand(c);
    Cycle.CheckStep step =
        c.onCheckReport(
            report,
            spec -> tasks.current(spec) ? tasks.get(spec.name()).policy() : null,
            webhook,
            now,
            gates.of(tasks, c.request(), c.id(), now));
    if (step instanceof Cycle.Misfit misfit) {
      return broken(misfit.reason());
    }
    Cycle.Judged judged = (Cycle.Judged) step;
    reports.checked(judged, now);
    timers.windowOpens(now, gates.firstOpening(judged, now));
    return nextApply(judged.next());
  }

  private Next nextApply(Cycle c) {
    Cycle next = applies.next(c);
    if (next.applying() != null) {
      timers.applying(next.id());
      return Next.to(next);
    }
    reports.waiting(next.waiting().subList(c.waiting().size(), next.waiting().size()));
    return endCycle(next);
  }

  private Next endCycle(Cycle c) {
    gates.cycleEnded(c, tasks);
    pace = pace.ended(c, settings.now());
    if (c.request().manualRequest() > 0) {
      // What --wait reports: the statuses as this cycle left them, whatever runs after it.
      lastManual = tasks.manualResult(c.request().manualRequest(), settings.now(), c.requested());
    }
    Duration retry = c.failed() ? pace.retryDelay(settings.reconcile()) : null;
    if (retry != null) {
      log.info("Agent {}: cycle failed; retrying in {}", name, Durations.format(retry));
    }
    timers.ended(retry, pace.failedInARow() == 0);
    CycleRequest next = pace.followUp();
    if (next != null) {
      pace = pace.followUpTaken();
      return startCycle(next);
    }
    return Next.IDLE;
  }

  private Next broken(String reason) {
    link.broken(reason);
    return Next.SAME;
  }

  private void reportStatus() {
    link.status(
        new AgentSession.CycleStatus(
            phase, pace.lastCycleEndedAt(), tasks.counts(), pace.manualServed()));
  }
}

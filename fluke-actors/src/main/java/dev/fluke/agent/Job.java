package dev.fluke.agent;

import dev.fluke.agent.AgentJournal.RunningProcess;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.CheckReport;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import dev.fluke.protocol.ServerMessage;
import dev.fluke.protocol.ServerMessage.ApplyRequest;
import dev.fluke.protocol.ServerMessage.CheckRequest;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request as the {@link Worker} runs it: a CheckRequest or ApplyRequest that arrived on
 * connection {@code connId}, with the {@link Cancellation} that stops it. {@link #run} is the
 * blocking part, in the {@link WorkLane}: the {@link TaskRunner} call, an apply recorded in the
 * {@link AgentJournal} as it goes, and the answer sent to {@link ResultDelivery} (apply output to
 * {@link ServerLink} as it comes).
 */
record Job(long connId, ServerMessage request, Cancellation cancellation) {
  private static final Logger log = LoggerFactory.getLogger(Job.class);

  /** What running a job takes. */
  record Means(
      AgentSettings settings,
      TaskRunner runner,
      AgentJournal journal,
      Clock clock,
      Worker.Outputs outputs) {}

  long cycleId() {
    return request instanceof CheckRequest c ? c.cycleId() : ((ApplyRequest) request).cycleId();
  }

  /** Whether this is the work of cycle {@code cycleId} of connection {@code connId}. */
  boolean of(long connId, long cycleId) {
    return this.connId == connId && cycleId() == cycleId;
  }

  /** Runs the request and sends its answer; blocks; never throws. Returns this job. */
  Job run(Means m) {
    if (request instanceof CheckRequest c) {
      CheckReport report;
      try {
        report = m.runner().check(c.cycleId(), c.tasks(), cancellation);
      } catch (RuntimeException e) {
        log.error("Running cycle {} failed unexpectedly", c.cycleId(), e);
        report = (CheckReport) failureAnswer("the agent failed to run this request: " + e);
      }
      m.outputs().results().tell(new ResultDelivery.CheckDone(connId, report));
      return this;
    }
    ApplyRequest a = (ApplyRequest) request;
    m.journal().applyStarted(a.cycleId(), a.task(), m.clock().instant());
    OutputLines lines =
        new OutputLines(m.settings().outputBufferLines(), m.settings().maxOutputLineLength());
    ServerLink.StreamOutput ready =
        new ServerLink.StreamOutput(connId, a.cycleId(), a.task().name(), lines);
    TaskRunner.OutputSink sink =
        (executor, line) -> {
          if (lines.offer(executor, line)) {
            m.outputs().link().tell(ready);
          }
        };
    ApplyResult result;
    try {
      TaskOutcome outcome = m.runner().apply(a.task(), cancellation, sink, journaling(m.journal()));
      result = new ApplyResult(a.cycleId(), outcome, false);
    } catch (RuntimeException e) {
      log.error("Running cycle {} failed unexpectedly", a.cycleId(), e);
      result = (ApplyResult) failureAnswer("the agent failed to run this request: " + e);
    }
    m.outputs()
        .results()
        .tell(new ResultDelivery.Finished(connId, m.journal().finish(result), lines));
    return this;
  }

  /**
   * The answer when the request cannot run: every block of every task ERROR with {@code message}.
   */
  AgentMessage failureAnswer(String message) {
    if (request instanceof CheckRequest c) {
      return new CheckReport(c.cycleId(), TaskRunner.errorOutcomes(c.tasks(), message));
    }
    ApplyRequest a = (ApplyRequest) request;
    return new ApplyResult(
        a.cycleId(), TaskRunner.errorOutcomes(List.of(a.task()), message).get(0), false);
  }

  /** Records the apply's progress in the journal. */
  private static TaskRunner.Progress journaling(AgentJournal journal) {
    return new TaskRunner.Progress() {
      @Override
      public void blockDone(ExecutorOutcome outcome) {
        journal.blockDone(outcome);
      }

      @Override
      public void processStarted(int block, Phase phase, ProcessHandle process) {
        journal.processStarted(new RunningProcess(block, phase, ProcessTree.Identity.of(process)));
      }
    };
  }
}

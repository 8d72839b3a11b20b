package dev.fluke.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.fluke.agent.AgentJournal.Block;
import dev.fluke.agent.AgentJournal.KeptResult;
import dev.fluke.agent.AgentJournal.RunningApply;
import dev.fluke.agent.AgentJournal.RunningProcess;
import dev.fluke.agent.AgentJournal.State;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.exec.StepResult;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The agent journal's file format: one JSON object with a {@code version}, the running apply (or
 * null) and the kept results. Its own records, so that the file does not change when the protocol
 * records do; times are ISO-8601 strings, durations milliseconds, outcomes and phases their wire
 * names.
 */
final class JournalJson {
  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  record FileJson(int version, RunningJson running, List<ResultJson> results, long nextSeq) {}

  record RunningJson(
      long cycleId,
      String task,
      List<BlockJson> blocks,
      String startedAt,
      List<OutcomeJson> done,
      ProcessJson process) {}

  record BlockJson(String name, String type) {}

  /**
   * {@code start_ticks} is the start time as /proc gives it (-1 where unknown); {@code pgid} is
   * written for people reading the file: it is always the pid.
   */
  record ProcessJson(
      int block, String phase, long pid, long pgid, long startTicks, String startedAt) {}

  record ResultJson(long seq, long cycleId, String task, boolean late, List<OutcomeJson> blocks) {}

  record OutcomeJson(
      String executor, String type, StepJson check, StepJson apply, StepJson verify) {}

  record StepJson(
      String phase,
      String outcome,
      int exitCode,
      String output,
      long durationMillis,
      String message) {}

  private JournalJson() {}

  static byte[] write(State s) {
    RunningJson running = null;
    RunningApply r = s.running();
    if (r != null) {
      RunningProcess p = r.process();
      running =
          new RunningJson(
              r.cycleId(),
              r.task(),
              r.blocks().stream().map(b -> new BlockJson(b.name(), b.type())).toList(),
              r.startedAt().toString(),
              r.done().stream().map(JournalJson::outcome).toList(),
              p == null
                  ? null
                  : new ProcessJson(
                      p.block(),
                      p.phase().wireName(),
                      p.process().pid(),
                      p.process().pid(),
                      p.process().startTicks(),
                      p.process().startedAt().toString()));
    }
    List<ResultJson> results =
        s.results().stream()
            .map(
                k ->
                    new ResultJson(
                        k.seq(),
                        k.result().cycleId(),
                        k.result().task().task(),
                        k.result().late(),
                        k.result().task().executors().stream().map(JournalJson::outcome).toList()))
            .toList();
    try {
      return JSON.writeValueAsBytes(new FileJson(VERSION, running, results, s.nextSeq()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @throws IOException when the content is not a journal this version can read
   */
  static State read(byte[] content) throws IOException {
    FileJson f = JSON.readValue(content, FileJson.class);
    if (f == null || f.version() != VERSION) {
      throw new IOException(
          "not an agent journal of version " + VERSION + (f == null ? "" : ": " + f.version()));
    }
    RunningApply running = null;
    if (f.running() != null) {
      RunningJson r = f.running();
      ProcessJson p = r.process();
      running =
          new RunningApply(
              r.cycleId(),
              r.task(),
              r.blocks().stream().map(b -> new Block(b.name(), b.type())).toList(),
              Instant.parse(r.startedAt()),
              r.done() == null ? List.of() : r.done().stream().map(JournalJson::outcome).toList(),
              p == null
                  ? null
                  : new RunningProcess(
                      p.block(),
                      phase(p.phase()),
                      new ProcessTree.Identity(
                          p.pid(), p.startTicks(), Instant.parse(p.startedAt()))));
    }
    List<KeptResult> results =
        f.results() == null
            ? List.of()
            : f.results().stream()
                .map(
                    k ->
                        new KeptResult(
                            k.seq(),
                            new ApplyResult(
                                k.cycleId(),
                                new TaskOutcome(
                                    k.task(),
                                    k.blocks().stream().map(JournalJson::outcome).toList()),
                                k.late())))
                .toList();
    return new State(running, results, Math.max(1, f.nextSeq()));
  }

  private static OutcomeJson outcome(ExecutorOutcome o) {
    return new OutcomeJson(
        o.executor(), o.type(), step(o.check()), step(o.apply()), step(o.verify()));
  }

  private static ExecutorOutcome outcome(OutcomeJson o) {
    return new ExecutorOutcome(
        o.executor(), o.type(), step(o.check()), step(o.apply()), step(o.verify()));
  }

  private static StepJson step(StepResult s) {
    return s == null
        ? null
        : new StepJson(
            s.phase().wireName(),
            s.outcome().wireName(),
            s.exitCode(),
            s.output(),
            s.duration().toMillis(),
            s.message());
  }

  private static StepResult step(StepJson s) {
    return s == null
        ? null
        : new StepResult(
            phase(s.phase()),
            Outcome.valueOf(s.outcome().toUpperCase(Locale.ROOT)),
            s.exitCode(),
            s.output(),
            Duration.ofMillis(s.durationMillis()),
            s.message());
  }

  private static Phase phase(String wire) {
    return Phase.valueOf(wire.toUpperCase(Locale.ROOT));
  }
}

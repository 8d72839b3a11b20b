package dev.fluke.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.fluke.agent.AgentJournal.Block;
import dev.fluke.agent.AgentJournal.KeptResult;
import dev.fluke.agent.AgentJournal.RunningApply;
import dev.fluke.agent.AgentJournal.RunningProcess;
import dev.fluke.agent.AgentJournal.State;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.exec.StepResult;
import dev.fluke.json.PlainJson;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The agent journal's file format: one JSON object with a {@code version}, the running apply
 * (absent when none) and the kept results. Its own field names, so that the file does not change
 * when the protocol records do; times are ISO-8601 strings, durations milliseconds, outcomes and
 * phases their wire names, null fields left out, unknown fields ignored.
 *
 * <p>Written and read with Jackson's streaming API only (jackson-core): the agent loads no data
 * binding for its journal (about 700 classes of an idle agent's memory, docs/performance.md).
 */
final class JournalJson {
  static final int VERSION = 1;

  private static final JsonFactory JSON = PlainJson.factory();

  private JournalJson() {}

  static byte[] write(State s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("version", VERSION);
      RunningApply r = s.running();
      if (r != null) {
        g.writeObjectFieldStart("running");
        g.writeNumberField("cycle_id", r.cycleId());
        writeString(g, "task", r.task());
        g.writeArrayFieldStart("blocks");
        for (Block b : r.blocks()) {
          g.writeStartObject();
          writeString(g, "name", b.name());
          writeString(g, "type", b.type());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("started_at", r.startedAt().toString());
        g.writeArrayFieldStart("done");
        for (ExecutorOutcome o : r.done()) {
          writeOutcome(g, o);
        }
        g.writeEndArray();
        RunningProcess p = r.process();
        if (p != null) {
          g.writeObjectFieldStart("process");
          g.writeNumberField("block", p.block());
          g.writeStringField("phase", p.phase().wireName());
          g.writeNumberField("pid", p.process().pid());
          // for people reading the file: an apply's process leads its own group
          g.writeNumberField("pgid", p.process().pid());
          g.writeNumberField("start_ticks", p.process().startTicks());
          g.writeStringField("started_at", p.process().startedAt().toString());
          g.writeEndObject();
        }
        g.writeEndObject();
      }
      g.writeArrayFieldStart("results");
      for (KeptResult k : s.results()) {
        g.writeStartObject();
        g.writeNumberField("seq", k.seq());
        g.writeNumberField("cycle_id", k.result().cycleId());
        writeString(g, "task", k.result().task().task());
        g.writeBooleanField("late", k.result().late());
        g.writeArrayFieldStart("blocks");
        for (ExecutorOutcome o : k.result().task().executors()) {
          writeOutcome(g, o);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeNumberField("next_seq", s.nextSeq());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeOutcome(JsonGenerator g, ExecutorOutcome o) throws IOException {
    g.writeStartObject();
    writeString(g, "executor", o.executor());
    writeString(g, "type", o.type());
    writeStep(g, "check", o.check());
    writeStep(g, "apply", o.apply());
    writeStep(g, "verify", o.verify());
    g.writeEndObject();
  }

  private static void writeStep(JsonGenerator g, String field, StepResult s) throws IOException {
    if (s == null) {
      return;
    }
    g.writeObjectFieldStart(field);
    g.writeStringField("phase", s.phase().wireName());
    g.writeStringField("outcome", s.outcome().wireName());
    g.writeNumberField("exit_code", s.exitCode());
    writeString(g, "output", s.output());
    g.writeNumberField("duration_millis", s.duration().toMillis());
    writeString(g, "message", s.message());
    g.writeEndObject();
  }

  /** Null fields are left out of the file. */
  private static void writeString(JsonGenerator g, String field, String value) throws IOException {
    if (value != null) {
      g.writeStringField(field, value);
    }
  }

  /**
   * @throws IOException when the content is not a journal this version can read
   */
  static State read(byte[] content) throws IOException {
    Map<String, Object> f;
    try (JsonParser p = JSON.createParser(content)) {
      Object value = PlainJson.value(p, p.nextToken());
      if (!(value instanceof Map<?, ?>)) {
        throw new IOException("not an agent journal: not a JSON object");
      }
      f = object(value);
      if (p.nextToken() != null) {
        throw new IOException("not an agent journal: content after its JSON object");
      }
    }
    try {
      long version = number(f, "version");
      if (version != VERSION) {
        throw new IOException("not an agent journal of version " + VERSION + ": " + version);
      }
      RunningApply running = null;
      Map<String, Object> r = optionalObject(f, "running");
      if (r != null) {
        Map<String, Object> p = optionalObject(r, "process");
        running =
            new RunningApply(
                number(r, "cycle_id"),
                string(r, "task"),
                list(r, "blocks", b -> new Block(string(b, "name"), string(b, "type"))),
                Instant.parse(string(r, "started_at")),
                list(r, "done", JournalJson::outcome),
                p == null
                    ? null
                    : new RunningProcess(
                        (int) number(p, "block"),
                        phase(string(p, "phase")),
                        new ProcessTree.Identity(
                            number(p, "pid"),
                            number(p, "start_ticks"),
                            Instant.parse(string(p, "started_at")))));
      }
      List<KeptResult> results =
          list(
              f,
              "results",
              k ->
                  new KeptResult(
                      number(k, "seq"),
                      new ApplyResult(
                          number(k, "cycle_id"),
                          new TaskOutcome(
                              string(k, "task"), list(k, "blocks", JournalJson::outcome)),
                          Boolean.TRUE.equals(k.get("late")))));
      return new State(running, results, Math.max(1, number(f, "next_seq")));
    } catch (IllegalArgumentException
        | ClassCastException
        | NullPointerException
        | java.time.DateTimeException e) {
      throw new IOException("not an agent journal: " + e, e);
    }
  }

  private static ExecutorOutcome outcome(Map<String, Object> o) {
    return new ExecutorOutcome(
        string(o, "executor"),
        string(o, "type"),
        step(optionalObject(o, "check")),
        step(optionalObject(o, "apply")),
        step(optionalObject(o, "verify")));
  }

  private static StepResult step(Map<String, Object> s) {
    return s == null
        ? null
        : new StepResult(
            phase(string(s, "phase")),
            Outcome.valueOf(string(s, "outcome").toUpperCase(Locale.ROOT)),
            (int) number(s, "exit_code"),
            string(s, "output"),
            Duration.ofMillis(number(s, "duration_millis")),
            string(s, "message"));
  }

  private static Phase phase(String wire) {
    return Phase.valueOf(wire.toUpperCase(Locale.ROOT));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object value) {
    return (Map<String, Object>) value;
  }

  private static Map<String, Object> optionalObject(Map<String, Object> m, String field) {
    Object v = m.get(field);
    return v == null ? null : object(v);
  }

  /** A missing or null string is null, as the data binding read it. */
  private static String string(Map<String, Object> m, String field) {
    return (String) m.get(field);
  }

  /** A missing or null number is 0, as the data binding read it. */
  private static long number(Map<String, Object> m, String field) {
    Object v = m.get(field);
    return v == null ? 0 : ((Number) v).longValue();
  }

  /** A missing or null list is empty. */
  private static <T> List<T> list(
      Map<String, Object> m, String field, Function<Map<String, Object>, T> each) {
    Object v = m.get(field);
    if (v == null) {
      return List.of();
    }
    List<T> out = new ArrayList<>();
    for (Object element : (List<?>) v) {
      out.add(each.apply(object(element)));
    }
    return out;
  }
}

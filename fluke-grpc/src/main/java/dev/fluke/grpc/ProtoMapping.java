package dev.fluke.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.grpc.proto.Task;
import dev.fluke.hcl.SourcePos;
import dev.fluke.json.PlainJson;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.ServerMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fluke.proto} ↔ the protocol records of fluke-actors, both ways. Total: every record maps
 * to a message, and a message that cannot be a record (an empty {@code oneof}, a missing required
 * part, an unknown enum spelling, attributes that are not a JSON object) throws {@link
 * ProtocolViolation}, which ends that one stream with INVALID_ARGUMENT. Nothing outside this module
 * sees protobuf.
 *
 * <p>Executor attributes travel as a JSON object ({@code attributes_json}); numbers come back as
 * {@link Long} or {@link Double}, nested blocks as maps, as {@link ExecutorSpec} promises.
 */
public final class ProtoMapping {

  /**
   * Writes attributes (the server). Reading them (the agent, on every request) uses {@link
   * PlainJson}, so that an agent loads no data binding; a holder, so that it does not create this.
   */
  private static final class Writer {
    static final ObjectMapper JSON =
        JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();
  }

  private static final Pattern SOURCE = Pattern.compile("^(.*):(\\d{1,9}):(\\d{1,9})$");

  private ProtoMapping() {}

  // ---- agent -> server ----

  public static AgentEnvelope toProto(AgentMessage m) {
    AgentEnvelope.Builder b = AgentEnvelope.newBuilder();
    if (m instanceof AgentMessage.Register r) {
      b.setRegister(
          dev.fluke.grpc.proto.Register.newBuilder()
              .setName(nz(r.name()))
              .putAllLabels(r.labels())
              .setVersion(nz(r.version()))
              .addAllExecutors(r.executors())
              .setResumeToken(r.resumeToken())
              .setMoved(r.moved()));
    } else if (m instanceof AgentMessage.CheckReport c) {
      dev.fluke.grpc.proto.CheckReport.Builder cb =
          dev.fluke.grpc.proto.CheckReport.newBuilder().setCycleId(c.cycleId());
      c.tasks().forEach(t -> cb.addTasks(toProto(t)));
      b.setCheckReport(cb);
    } else if (m instanceof AgentMessage.ApplyOutput o) {
      b.setApplyOutput(
          dev.fluke.grpc.proto.ApplyOutput.newBuilder()
              .setCycleId(o.cycleId())
              .setTask(nz(o.task()))
              .setExecutor(nz(o.executor()))
              .setLine(nz(o.line())));
    } else if (m instanceof AgentMessage.ApplyResult r) {
      b.setApplyResult(
          dev.fluke.grpc.proto.ApplyResult.newBuilder()
              .setCycleId(r.cycleId())
              .setTask(toProto(r.task()))
              .setLate(r.late()));
    } else if (m instanceof AgentMessage.Heartbeat h) {
      b.setHeartbeat(dev.fluke.grpc.proto.Heartbeat.newBuilder().setSentAtMillis(h.sentAtMillis()));
    } else {
      throw new IllegalArgumentException("unknown agent message " + m);
    }
    return b.build();
  }

  public static AgentMessage fromProto(AgentEnvelope e) {
    switch (e.getMsgCase()) {
      case REGISTER -> {
        dev.fluke.grpc.proto.Register r = e.getRegister();
        return new AgentMessage.Register(
            r.getName(),
            r.getLabelsMap(),
            r.getVersion(),
            r.getExecutorsList(),
            r.getResumeToken(),
            r.getMoved());
      }
      case CHECK_REPORT -> {
        List<AgentMessage.TaskOutcome> tasks = new ArrayList<>();
        e.getCheckReport().getTasksList().forEach(t -> tasks.add(fromProto(t)));
        return new AgentMessage.CheckReport(e.getCheckReport().getCycleId(), tasks);
      }
      case APPLY_OUTPUT -> {
        dev.fluke.grpc.proto.ApplyOutput o = e.getApplyOutput();
        return new AgentMessage.ApplyOutput(
            o.getCycleId(), o.getTask(), o.getExecutor(), o.getLine());
      }
      case APPLY_RESULT -> {
        dev.fluke.grpc.proto.ApplyResult r = e.getApplyResult();
        if (!r.hasTask()) {
          throw new ProtocolViolation(
              "ApplyResult of cycle " + r.getCycleId() + " has no task outcome");
        }
        return new AgentMessage.ApplyResult(r.getCycleId(), fromProto(r.getTask()), r.getLate());
      }
      case HEARTBEAT -> {
        return new AgentMessage.Heartbeat(e.getHeartbeat().getSentAtMillis());
      }
      default -> throw new ProtocolViolation("empty or unknown agent message (no oneof case set)");
    }
  }

  static dev.fluke.grpc.proto.TaskOutcome toProto(AgentMessage.TaskOutcome t) {
    dev.fluke.grpc.proto.TaskOutcome.Builder b =
        dev.fluke.grpc.proto.TaskOutcome.newBuilder().setTask(nz(t.task()));
    for (AgentMessage.ExecutorOutcome o : t.executors()) {
      dev.fluke.grpc.proto.ExecutorOutcome.Builder ob =
          dev.fluke.grpc.proto.ExecutorOutcome.newBuilder()
              .setExecutor(nz(o.executor()))
              .setType(nz(o.type()))
              .setCheck(toProto(o.check()));
      if (o.apply() != null) {
        ob.setApply(toProto(o.apply()));
      }
      if (o.verify() != null) {
        ob.setVerify(toProto(o.verify()));
      }
      b.addExecutors(ob);
    }
    return b.build();
  }

  static AgentMessage.TaskOutcome fromProto(dev.fluke.grpc.proto.TaskOutcome t) {
    List<AgentMessage.ExecutorOutcome> executors = new ArrayList<>();
    for (dev.fluke.grpc.proto.ExecutorOutcome o : t.getExecutorsList()) {
      if (!o.hasCheck()) {
        throw new ProtocolViolation(
            "outcome of executor '"
                + o.getExecutor()
                + "' of task '"
                + t.getTask()
                + "' has no check result");
      }
      executors.add(
          new AgentMessage.ExecutorOutcome(
              o.getExecutor(),
              o.getType(),
              fromProto(o.getCheck()),
              o.hasApply() ? fromProto(o.getApply()) : null,
              o.hasVerify() ? fromProto(o.getVerify()) : null));
    }
    return new AgentMessage.TaskOutcome(t.getTask(), executors);
  }

  static dev.fluke.grpc.proto.StepResult toProto(StepResult r) {
    return dev.fluke.grpc.proto.StepResult.newBuilder()
        .setPhase(r.phase().wireName())
        .setOutcome(r.outcome().wireName())
        .setExitCode(r.exitCode())
        .setOutput(r.output())
        .setDurationMillis(r.duration().toMillis())
        .setMessage(r.message())
        .build();
  }

  static StepResult fromProto(dev.fluke.grpc.proto.StepResult r) {
    return new StepResult(
        wireEnum(Phase.class, r.getPhase(), "phase"),
        wireEnum(Outcome.class, r.getOutcome(), "outcome"),
        r.getExitCode(),
        r.getOutput(),
        Duration.ofMillis(r.getDurationMillis()),
        r.getMessage());
  }

  // ---- server -> agent ----

  public static ServerEnvelope toProto(ServerMessage m) {
    ServerEnvelope.Builder b = ServerEnvelope.newBuilder();
    if (m instanceof ServerMessage.Registered r) {
      b.setRegistered(
          dev.fluke.grpc.proto.Registered.newBuilder()
              .setServerVersion(nz(r.serverVersion()))
              .setHeartbeatIntervalMillis(r.heartbeatIntervalMillis())
              .setSessionToken(r.sessionToken()));
    } else if (m instanceof ServerMessage.Rejected r) {
      b.setRejected(dev.fluke.grpc.proto.Rejected.newBuilder().setReason(nz(r.reason())));
    } else if (m instanceof ServerMessage.CheckRequest c) {
      dev.fluke.grpc.proto.CheckRequest.Builder cb =
          dev.fluke.grpc.proto.CheckRequest.newBuilder().setCycleId(c.cycleId());
      c.tasks().forEach(t -> cb.addTasks(toProto(t)));
      b.setCheckRequest(cb);
    } else if (m instanceof ServerMessage.ApplyRequest a) {
      b.setApplyRequest(
          dev.fluke.grpc.proto.ApplyRequest.newBuilder()
              .setCycleId(a.cycleId())
              .setTask(toProto(a.task())));
    } else if (m instanceof ServerMessage.Cancel c) {
      b.setCancel(dev.fluke.grpc.proto.Cancel.newBuilder().setCycleId(c.cycleId()));
    } else if (m instanceof ServerMessage.Heartbeat h) {
      b.setHeartbeat(dev.fluke.grpc.proto.Heartbeat.newBuilder().setSentAtMillis(h.sentAtMillis()));
    } else if (m instanceof ServerMessage.ApplyResultAck a) {
      b.setApplyResultAck(
          dev.fluke.grpc.proto.ApplyResultAck.newBuilder()
              .setCycleId(a.cycleId())
              .setTask(nz(a.task())));
    } else {
      throw new IllegalArgumentException("unknown server message " + m);
    }
    return b.build();
  }

  public static ServerMessage fromProto(ServerEnvelope e) {
    switch (e.getMsgCase()) {
      case REGISTERED -> {
        return new ServerMessage.Registered(
            e.getRegistered().getServerVersion(),
            e.getRegistered().getHeartbeatIntervalMillis(),
            e.getRegistered().getSessionToken());
      }
      case REJECTED -> {
        return new ServerMessage.Rejected(e.getRejected().getReason());
      }
      case CHECK_REQUEST -> {
        List<TaskSpec> tasks = new ArrayList<>();
        e.getCheckRequest().getTasksList().forEach(t -> tasks.add(fromProto(t)));
        return new ServerMessage.CheckRequest(e.getCheckRequest().getCycleId(), tasks);
      }
      case APPLY_REQUEST -> {
        dev.fluke.grpc.proto.ApplyRequest a = e.getApplyRequest();
        if (!a.hasTask()) {
          throw new ProtocolViolation("ApplyRequest of cycle " + a.getCycleId() + " has no task");
        }
        return new ServerMessage.ApplyRequest(a.getCycleId(), fromProto(a.getTask()));
      }
      case CANCEL -> {
        return new ServerMessage.Cancel(e.getCancel().getCycleId());
      }
      case HEARTBEAT -> {
        return new ServerMessage.Heartbeat(e.getHeartbeat().getSentAtMillis());
      }
      case APPLY_RESULT_ACK -> {
        dev.fluke.grpc.proto.ApplyResultAck a = e.getApplyResultAck();
        if (a.getTask().isEmpty()) {
          throw new ProtocolViolation(
              "ApplyResultAck of cycle " + a.getCycleId() + " names no task");
        }
        return new ServerMessage.ApplyResultAck(a.getCycleId(), a.getTask());
      }
      default -> throw new ProtocolViolation("empty or unknown server message (no oneof case set)");
    }
  }

  public static Task toProto(TaskSpec t) {
    Task.Builder b =
        Task.newBuilder()
            .setName(nz(t.name()))
            .setDescription(t.description())
            .setDriftPolicy(t.driftPolicy().map(DriftPolicy::hclName).orElse(""))
            .putAllMatchLabels(t.selector().matchLabels())
            .setSource(t.pos().toString());
    for (ExecutorSpec x : t.executors()) {
      b.addExecutors(
          dev.fluke.grpc.proto.ExecutorSpec.newBuilder()
              .setType(nz(x.type()))
              .setName(nz(x.name()))
              .setAttributesJson(json(x))
              .setOnFailure(x.onFailure().hclName())
              .setSource(x.pos().toString()));
    }
    return b.build();
  }

  public static TaskSpec fromProto(Task t) {
    Optional<DriftPolicy> policy = Optional.empty();
    if (!t.getDriftPolicy().isEmpty()) {
      policy =
          Optional.of(
              DriftPolicy.parse(t.getDriftPolicy())
                  .orElseThrow(
                      () ->
                          new ProtocolViolation(
                              "task '"
                                  + t.getName()
                                  + "' has an unknown drift policy '"
                                  + t.getDriftPolicy()
                                  + "'")));
    }
    List<ExecutorSpec> executors = new ArrayList<>();
    for (dev.fluke.grpc.proto.ExecutorSpec x : t.getExecutorsList()) {
      executors.add(
          new ExecutorSpec(
              x.getType(),
              x.getName(),
              attributes(t.getName(), x),
              onFailure(t.getName(), x),
              source(x.getSource())));
    }
    return new TaskSpec(
        t.getName(),
        t.getDescription(),
        policy,
        new Selector(t.getMatchLabelsMap()),
        executors,
        source(t.getSource()));
  }

  private static String json(ExecutorSpec x) {
    try {
      return Writer.JSON.writeValueAsString(x.attributes());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "attributes of " + x.label() + " cannot be written as JSON", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> attributes(String task, dev.fluke.grpc.proto.ExecutorSpec x) {
    if (x.getAttributesJson().isEmpty()) {
      return Map.of();
    }
    try {
      Object value = PlainJson.read(x.getAttributesJson());
      if (!(value instanceof Map<?, ?>)) {
        throw new ProtocolViolation(
            "attributes of "
                + x.getType()
                + " \""
                + x.getName()
                + "\" in task '"
                + task
                + "' are not a JSON object");
      }
      return new LinkedHashMap<>((Map<String, Object>) value);
    } catch (IOException e) {
      String reason =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new ProtocolViolation(
          "attributes of "
              + x.getType()
              + " \""
              + x.getName()
              + "\" in task '"
              + task
              + "' are not valid JSON: "
              + reason);
    }
  }

  private static OnFailure onFailure(String task, dev.fluke.grpc.proto.ExecutorSpec x) {
    if (x.getOnFailure().isEmpty()) {
      return OnFailure.ABORT;
    }
    return Arrays.stream(OnFailure.values())
        .filter(v -> v.hclName().equals(x.getOnFailure()))
        .findFirst()
        .orElseThrow(
            () ->
                new ProtocolViolation(
                    "on_failure of "
                        + x.getType()
                        + " \""
                        + x.getName()
                        + "\" in task '"
                        + task
                        + "' is '"
                        + x.getOnFailure()
                        + "', expected abort or continue"));
  }

  private static SourcePos source(String s) {
    if (s.isEmpty()) {
      return SourcePos.UNKNOWN;
    }
    Matcher m = SOURCE.matcher(s);
    return m.matches()
        ? new SourcePos(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)))
        : new SourcePos(s, 0, 0);
  }

  private static <E extends Enum<E>> E wireEnum(Class<E> type, String wire, String what) {
    try {
      return Enum.valueOf(type, wire.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ProtocolViolation("unknown step " + what + " '" + wire + "'");
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}

package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.exec.Outcome;
import dev.fluke.exec.Phase;
import dev.fluke.exec.StepResult;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import dev.fluke.protocol.AgentMessage.TaskOutcome;
import dev.fluke.protocol.ProtocolViolation;
import dev.fluke.protocol.ServerMessage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProtoMappingTest {

  static TaskSpec sampleTask() {
    Map<String, Object> mise = new LinkedHashMap<>();
    mise.put("working_dir", "/opt/app");
    mise.put("check_task", "check");
    mise.put("git", Map.of("url", "https://example.org/app.git", "branch", "main"));
    Map<String, Object> shell = new LinkedHashMap<>();
    shell.put("check", "test -f /x");
    shell.put("command", "touch /x");
    shell.put("run_as", null);
    shell.put("env", Map.of("APP_ENV", "production"));
    shell.put("retries", 3L);
    shell.put("ratio", 0.5);
    shell.put("enabled", true);
    return new TaskSpec(
        "deploy_app",
        "Shown in the UI",
        Optional.of(DriftPolicy.ALERT_ONLY),
        new Selector(Map.of("role", "web", "env", "prod")),
        List.of(
            new ExecutorSpec(
                "mise", "deploy", mise, OnFailure.ABORT, new SourcePos("apps/web.fluke.hcl", 7, 3)),
            new ExecutorSpec(
                "shell",
                "marker",
                shell,
                OnFailure.CONTINUE,
                new SourcePos("apps/web.fluke.hcl", 12, 3))),
        new SourcePos("apps/web.fluke.hcl", 3, 1));
  }

  static TaskOutcome sampleOutcome() {
    StepResult drifted =
        new StepResult(Phase.CHECK, Outcome.DRIFTED, 1, "not yet", Duration.ofMillis(12), "");
    StepResult applied =
        new StepResult(Phase.APPLY, Outcome.APPLIED, 0, "done\n", Duration.ofMillis(900), "");
    StepResult verified =
        new StepResult(Phase.VERIFY, Outcome.SATISFIED, 0, "", Duration.ofMillis(10), "");
    StepResult skipped = StepResult.skipped(Phase.CHECK, "not run: aborted");
    return new TaskOutcome(
        "deploy_app",
        List.of(
            new ExecutorOutcome("deploy", "mise", drifted, applied, verified),
            new ExecutorOutcome("marker", "shell", skipped, null, null)));
  }

  @Test
  void everyAgentMessageSurvivesTheWire() throws Exception {
    List<AgentMessage> messages =
        List.of(
            new AgentMessage.Register(
                "web-01", Map.of("role", "web"), "1.0.0", List.of("mise", "shell", "systemd")),
            new AgentMessage.Register("web-01", Map.of(), "1.0.0", List.of("shell"))
                .resuming("k3Jx9q"),
            new AgentMessage.Register("web-01", Map.of(), "1.0.0", List.of("shell"))
                .resuming("k3Jx9q")
                .movedByRebalancing(true),
            new AgentMessage.CheckReport(4, List.of(sampleOutcome())),
            new AgentMessage.ApplyOutput(4, "deploy_app", "deploy", "npm ci"),
            new AgentMessage.ApplyResult(4, sampleOutcome(), true),
            new AgentMessage.Heartbeat(1_700_000_000_000L));

    for (AgentMessage m : messages) {
      AgentEnvelope wire = AgentEnvelope.parseFrom(ProtoMapping.toProto(m).toByteArray());
      assertEquals(m, ProtoMapping.fromProto(wire));
    }
  }

  @Test
  void everyServerMessageSurvivesTheWire() throws Exception {
    List<ServerMessage> messages =
        List.of(
            new ServerMessage.Registered("1.0.0", 10_000),
            new ServerMessage.Registered("1.0.0", 10_000, "k3Jx9q"),
            new ServerMessage.Rejected("an agent named web-01 is already connected"),
            new ServerMessage.CheckRequest(9, List.of(sampleTask())),
            new ServerMessage.ApplyRequest(9, sampleTask()),
            new ServerMessage.Cancel(9),
            new ServerMessage.Heartbeat(42),
            new ServerMessage.ApplyResultAck(9, "deploy_app"));

    for (ServerMessage m : messages) {
      ServerEnvelope wire = ServerEnvelope.parseFrom(ProtoMapping.toProto(m).toByteArray());
      assertEquals(m, ProtoMapping.fromProto(wire));
    }
  }

  @Test
  void attributesKeepTheirJavaTypes() {
    TaskSpec back = ProtoMapping.fromProto(ProtoMapping.toProto(sampleTask()));

    ExecutorSpec shell = back.executors().get(1);
    assertEquals(3L, shell.attributes().get("retries"));
    assertEquals(0.5, shell.attributes().get("ratio"));
    assertEquals(true, shell.attributes().get("enabled"));
    assertTrue(shell.attributes().containsKey("run_as"));
    assertNull(shell.attributes().get("run_as"));
    assertEquals(Map.of("APP_ENV", "production"), shell.stringMap("env"));
    assertEquals("main", back.executors().get(0).block("git").get("branch"));
    assertEquals(
        List.of("working_dir", "check_task", "git"),
        List.copyOf(back.executors().get(0).attributes().keySet()));
  }

  @Test
  void taskWithoutItsOwnPolicyOrSourceStaysThatWay() {
    TaskSpec plain =
        new TaskSpec(
            "t", "", Optional.empty(), new Selector(Map.of()), List.of(), SourcePos.UNKNOWN);

    TaskSpec back = ProtoMapping.fromProto(ProtoMapping.toProto(plain));

    assertEquals(plain, back);
  }

  @Test
  void emptyEnvelopesAreProtocolViolations() {
    assertThrows(
        ProtocolViolation.class, () -> ProtoMapping.fromProto(AgentEnvelope.getDefaultInstance()));
    assertThrows(
        ProtocolViolation.class, () -> ProtoMapping.fromProto(ServerEnvelope.getDefaultInstance()));
  }

  @Test
  void malformedPartsAreProtocolViolations() {
    AgentEnvelope resultWithoutTask =
        AgentEnvelope.newBuilder()
            .setApplyResult(dev.fluke.grpc.proto.ApplyResult.newBuilder().setCycleId(1))
            .build();
    AgentEnvelope unknownOutcome =
        AgentEnvelope.newBuilder()
            .setCheckReport(
                dev.fluke.grpc.proto.CheckReport.newBuilder()
                    .addTasks(
                        dev.fluke.grpc.proto.TaskOutcome.newBuilder()
                            .setTask("t")
                            .addExecutors(
                                dev.fluke.grpc.proto.ExecutorOutcome.newBuilder()
                                    .setExecutor("a")
                                    .setType("shell")
                                    .setCheck(
                                        dev.fluke.grpc.proto.StepResult.newBuilder()
                                            .setPhase("check")
                                            .setOutcome("great")))))
            .build();
    AgentEnvelope outcomeWithoutCheck =
        AgentEnvelope.newBuilder()
            .setCheckReport(
                dev.fluke.grpc.proto.CheckReport.newBuilder()
                    .addTasks(
                        dev.fluke.grpc.proto.TaskOutcome.newBuilder()
                            .setTask("t")
                            .addExecutors(
                                dev.fluke.grpc.proto.ExecutorOutcome.newBuilder()
                                    .setExecutor("a"))))
            .build();

    assertThrows(ProtocolViolation.class, () -> ProtoMapping.fromProto(resultWithoutTask));
    ProtocolViolation v =
        assertThrows(ProtocolViolation.class, () -> ProtoMapping.fromProto(unknownOutcome));
    assertTrue(v.getMessage().contains("great"), v.getMessage());
    assertThrows(ProtocolViolation.class, () -> ProtoMapping.fromProto(outcomeWithoutCheck));
  }

  @Test
  void ackWithoutItsTaskIsAProtocolViolation() {
    ServerEnvelope ackWithoutTask =
        ServerEnvelope.newBuilder()
            .setApplyResultAck(dev.fluke.grpc.proto.ApplyResultAck.newBuilder().setCycleId(5))
            .build();

    ProtocolViolation v =
        assertThrows(ProtocolViolation.class, () -> ProtoMapping.fromProto(ackWithoutTask));
    assertTrue(v.getMessage().contains("ApplyResultAck of cycle 5"), v.getMessage());
  }

  @Test
  void malformedTasksAreProtocolViolations() {
    dev.fluke.grpc.proto.Task good = ProtoMapping.toProto(sampleTask());

    for (dev.fluke.grpc.proto.Task bad :
        List.of(
            good.toBuilder().setDriftPolicy("sometimes").build(),
            good.toBuilder()
                .setExecutors(0, good.getExecutors(0).toBuilder().setOnFailure("retry"))
                .build(),
            good.toBuilder()
                .setExecutors(0, good.getExecutors(0).toBuilder().setAttributesJson("[1,2]"))
                .build(),
            good.toBuilder()
                .setExecutors(0, good.getExecutors(0).toBuilder().setAttributesJson("{oops"))
                .build())) {
      assertThrows(ProtocolViolation.class, () -> ProtoMapping.fromProto(bad));
    }
  }
}

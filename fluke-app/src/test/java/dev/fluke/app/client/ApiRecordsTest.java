package dev.fluke.app.client;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.api.PlanResult;
import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.http.ApiError;
import dev.fluke.http.ApiJson;
import dev.fluke.http.TestFleetApi;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The client reads the API's answers with {@link ApiRecords} (jackson-core only): it must read
 * every answer exactly as the data binding with the API's own mapper reads it.
 */
class ApiRecordsTest {
  private final ObjectMapper mapper = ApiJson.create();

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private record Sample(Object value, Type type) {}

  /** Every kind of answer of the test fleet, with the type the client reads it as. */
  private List<Sample> answers() throws Exception {
    TestFleetApi fleet = new TestFleetApi();
    fleet.rollout(
        new Dto.RolloutStatus(
            "deploy_app",
            "1f2e3d4",
            "halted",
            "canary",
            1,
            2,
            3,
            0,
            1,
            0,
            2,
            1,
            "50%",
            0,
            "0s",
            TestFleetApi.T0,
            null,
            "web-01 failed",
            List.of("web-01")));
    get(fleet.suspend(TargetKind.AGENT, "web-01", "alice", "disk swap", Duration.ofHours(2)));
    List<Sample> all = new ArrayList<>();
    List<Dto.AgentSummary> agents = get(fleet.agents());
    all.add(new Sample(agents, new TypeReference<List<Dto.AgentSummary>>() {}.getType()));
    for (Dto.AgentSummary a : agents) {
      all.add(new Sample(get(fleet.agent(a.name())).orElseThrow(), Dto.AgentDetail.class));
    }
    List<Dto.TaskSummary> tasks = get(fleet.tasks());
    all.add(new Sample(tasks, new TypeReference<List<Dto.TaskSummary>>() {}.getType()));
    for (Dto.TaskSummary t : tasks) {
      all.add(new Sample(get(fleet.task(t.name())).orElseThrow(), Dto.TaskDetail.class));
    }
    all.add(new Sample(get(fleet.drift()), new TypeReference<List<Dto.DriftEntry>>() {}.getType()));
    all.add(
        new Sample(
            get(fleet.events(EventQuery.latest(100))),
            new TypeReference<List<Event>>() {}.getType()));
    all.add(new Sample(get(fleet.manifest()), Dto.ManifestStatus.class));
    all.add(
        new Sample(get(fleet.suspensions()), new TypeReference<List<Suspension>>() {}.getType()));
    all.add(
        new Sample(get(fleet.resume(TargetKind.AGENT, "web-01", "bob")), Suspension.Change.class));
    all.add(new Sample(get(fleet.nodes()), new TypeReference<List<Dto.NodeInfo>>() {}.getType()));
    all.add(
        new Sample(
            get(fleet.rollouts()), new TypeReference<List<Dto.RolloutStatus>>() {}.getType()));
    all.add(
        new Sample(
            get(fleet.resumeRollout("deploy_app", "bob")).orElseThrow(), Dto.RolloutStatus.class));
    all.add(
        new Sample(
            get(fleet.reconcile(new Dto.ReconcileTarget(TargetKind.ALL, null), true)),
            Dto.ReconcileAccepted.class));
    all.add(new Sample(get(fleet.plan("no-such-branch", null)), PlanResult.class));
    all.add(new Sample(new ApiError("agent 'x' not found", 404), ApiError.class));
    return all;
  }

  @Test
  void readsEveryAnswerOfTheApiAsTheDataBindingReadsIt() throws Exception {
    for (Sample s : answers()) {
      String json = mapper.writeValueAsString(s.value());
      assertTrue(ApiRecords.supports(s.type()), s.type().getTypeName());
      Object databind = mapper.readValue(json, mapper.getTypeFactory().constructType(s.type()));
      Object streaming = ApiRecords.read(json, s.type());
      assertEquals(databind, streaming, json);
      assertEquals(s.value(), streaming, json);
    }
  }

  @Test
  void missingPropertiesAreNullOrZeroAndUnknownOnesAreIgnoredAsByTheDataBinding() throws Exception {
    String json = "{\"name\":\"web-01\",\"connected\":true,\"from_a_newer_server\":[1,{}]}";
    Object databind = mapper.readValue(json, Dto.AgentSummary.class);
    assertEquals(databind, ApiRecords.read(json, Dto.AgentSummary.class));
    Dto.AgentSummary a = (Dto.AgentSummary) ApiRecords.read(json, Dto.AgentSummary.class);
    assertEquals("web-01", a.name());
    assertTrue(a.connected());
    assertNull(a.lastSeen());
    assertEquals(0, a.manualServed());
  }

  @Test
  void plainAttributesAreReadAsTheDataBindingReadsObjects() throws Exception {
    String json =
        "{\"type\":\"shell\",\"name\":\"x\",\"attributes\":{\"timeout\":30,\"big\":9999999999,"
            + "\"ratio\":0.5,\"env\":{\"A\":\"1\"},\"args\":[1,\"two\",null]},\"on_failure\":null}";
    Object databind = mapper.readValue(json, Dto.ExecutorDefinition.class);
    Dto.ExecutorDefinition streaming =
        (Dto.ExecutorDefinition) ApiRecords.read(json, Dto.ExecutorDefinition.class);
    assertEquals(databind, streaming);
    assertEquals(Integer.class, streaming.attributes().get("timeout").getClass());
    assertEquals(Long.class, streaming.attributes().get("big").getClass());
    assertEquals(Double.class, streaming.attributes().get("ratio").getClass());
  }

  @Test
  void whatDoesNotFitTheTypeIsRefusedWithWhereAndWhat() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ApiRecords.read(
                    "[{\"name\":\"web-01\",\"cycle\":\"dancing\"}]",
                    new TypeReference<List<Dto.AgentSummary>>() {}.getType()));
    assertTrue(e.getMessage().contains("$[0].cycle"), e.getMessage());
    assertThrows(IOException.class, () -> ApiRecords.read("{\"name\":", Dto.AgentSummary.class));
    assertThrows(
        IOException.class,
        () -> ApiRecords.read("{\"connected\":\"yes\"}", Dto.AgentSummary.class));
    assertThrows(IOException.class, () -> ApiRecords.read("[]", Dto.AgentSummary.class));
  }

  @Test
  void typesItCannotReadAreLeftToTheDataBinding() {
    assertFalse(ApiRecords.supports(JsonNode.class));
    assertFalse(ApiRecords.supports(new TypeReference<Map<Integer, String>>() {}.getType()));
    assertTrue(ApiRecords.supports(new TypeReference<Map<String, List<Event>>>() {}.getType()));
  }

  @Test
  void propertyNamesAreSnakeCaseAsJacksonWritesThem() {
    assertEquals("last_cycle_ended_at", ApiRecords.snakeCase("lastCycleEndedAt"));
    assertEquals("name", ApiRecords.snakeCase("name"));
    assertEquals("p50_ms", ApiRecords.snakeCase("p50Ms"));
    assertEquals("http_url", ApiRecords.snakeCase("httpURL"));
  }
}

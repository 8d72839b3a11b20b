package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.events.Event;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiJsonTest {
  private final ObjectMapper mapper = ApiJson.create();
  private final TestFleetApi fleet = new TestFleetApi();

  @Test
  void recordsAreWrittenInSnakeCaseWithIsoTimesAndKeepMapKeys() throws Exception {
    Dto.AgentDetail detail = fleet.agent("web-01").toCompletableFuture().get().orElseThrow();
    JsonNode json = mapper.readTree(mapper.writeValueAsString(detail));
    assertEquals("2025-03-01T12:59:40Z", json.at("/agent/last_cycle_ended_at").asText());
    assertEquals("2025-03-01T12:00:00Z", json.at("/agent/connected_at").asText());
    assertEquals("web", json.at("/agent/labels/role").asText());
    assertEquals(1, json.at("/agent/counts/drifted").asInt());
    assertEquals(120, json.at("/recent_events/0/duration_millis").asLong());
    assertTrue(json.at("/tasks/1/last_applied_at").isNull(), "nulls are written out");
    assertTrue(json.at("/tasks/1/executors/0/exit_code").isInt());
    assertFalse(mapper.writeValueAsString(detail).contains("lastSeen"));
  }

  @Test
  void everyDtoReadsBackEqual() throws Exception {
    Dto.AgentDetail detail = fleet.agent("web-01").toCompletableFuture().get().orElseThrow();
    assertEquals(
        detail, mapper.readValue(mapper.writeValueAsString(detail), Dto.AgentDetail.class));
    Dto.TaskDetail task = fleet.task("deploy_app").toCompletableFuture().get().orElseThrow();
    assertEquals(task, mapper.readValue(mapper.writeValueAsString(task), Dto.TaskDetail.class));
    Dto.ManifestStatus manifest = fleet.manifest().toCompletableFuture().get();
    assertEquals(
        manifest, mapper.readValue(mapper.writeValueAsString(manifest), Dto.ManifestStatus.class));
    List<Dto.DriftEntry> drift = fleet.drift().toCompletableFuture().get();
    assertEquals(
        drift,
        mapper.readValue(
            mapper.writeValueAsString(drift), new TypeReference<List<Dto.DriftEntry>>() {}));
    List<Event> events =
        fleet.events(dev.fluke.events.EventQuery.latest(10)).toCompletableFuture().get();
    assertEquals(
        events,
        mapper.readValue(mapper.writeValueAsString(events), new TypeReference<List<Event>>() {}));
  }

  @Test
  void unknownFieldsFromANewerServerAreIgnored() throws Exception {
    ApiError e =
        mapper.readValue("{\"error\":\"x\",\"status\":404,\"hint\":\"new\"}", ApiError.class);
    assertEquals(new ApiError("x", 404), e);
    assertEquals(
        Map.of("a", 1),
        mapper.readValue("{\"a\":1}", new TypeReference<Map<String, Integer>>() {}));
  }
}

package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.manifest.DriftPolicy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertBodiesTest {
  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

  @Test
  void driftDetectedCarriesTheEnvelopeWithSortedLabelsAndTheRemediationStatus() {
    String body =
        AlertBodies.driftDetected(
            "a1",
            new DriftAlerter.DriftDetected(
                "web-01",
                Map.of("role", "web", "env", "prod"),
                "nginx",
                DriftPolicy.ALERT_ONLY,
                "not_attempted"),
            NOW);
    assertEquals(
        "{\"id\":\"a1\",\"event\":\"drift_detected\",\"timestamp\":\"2026-12-05T12:00:00Z\","
            + "\"agent\":{\"name\":\"web-01\",\"labels\":{\"env\":\"prod\",\"role\":\"web\"}},"
            + "\"task\":\"nginx\",\"policy\":\"alert_only\",\"remediation_status\":\"not_attempted\"}",
        body);
  }

  @Test
  void driftRemediatedCarriesTheApplysOutcome() {
    String body =
        AlertBodies.driftRemediated(
            "a2",
            new DriftAlerter.DriftRemediated(
                "db-01", Map.of(), "pg", DriftPolicy.REMEDIATE_AND_ALERT, "succeeded"),
            NOW);
    assertEquals(
        "{\"id\":\"a2\",\"event\":\"drift_remediated\",\"timestamp\":\"2026-12-05T12:00:00Z\","
            + "\"agent\":{\"name\":\"db-01\",\"labels\":{}},"
            + "\"task\":\"pg\",\"policy\":\"remediate_and_alert\",\"outcome\":\"succeeded\"}",
        body);
  }

  @Test
  void anAnnouncementWithoutAnAgentHasNoAgentAndItsDetailsFollowInOrder() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("stage", 2);
    details.put("failed_agents", java.util.List.of("web-03"));
    String body =
        AlertBodies.announcement(
            "a3", new DriftAlerter.Announce("rollout_halted", null, null, "deploy", details), NOW);
    assertEquals(
        "{\"id\":\"a3\",\"event\":\"rollout_halted\",\"timestamp\":\"2026-12-05T12:00:00Z\","
            + "\"task\":\"deploy\",\"stage\":2,\"failed_agents\":[\"web-03\"]}",
        body);
  }
}

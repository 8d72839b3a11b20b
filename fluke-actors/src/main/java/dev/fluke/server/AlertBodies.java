package dev.fluke.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.manifest.DriftPolicy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON bodies {@link DriftAlerter} posts to the alert webhook (docs/architecture.md, "Alerts"):
 * an envelope ({@code id}, {@code event}, {@code timestamp}, {@code agent} with its sorted labels,
 * {@code task}, {@code policy}) and the alert's own fields. {@code id} names the alert: every retry
 * of its delivery carries the same one, so a receiver can drop a redelivery (a POST that arrived
 * but whose answer timed out is sent again). Pure: the caller picks the id.
 */
final class AlertBodies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AlertBodies() {}

  static String driftDetected(String id, DriftAlerter.DriftDetected d, Instant now) {
    Map<String, Object> body =
        envelope(id, "drift_detected", now, d.agent(), d.labels(), d.task(), d.policy());
    body.put("remediation_status", d.remediationStatus());
    return json(body);
  }

  static String driftRemediated(String id, DriftAlerter.DriftRemediated d, Instant now) {
    Map<String, Object> body =
        envelope(id, "drift_remediated", now, d.agent(), d.labels(), d.task(), d.policy());
    body.put("outcome", d.outcome());
    return json(body);
  }

  /** An announcement: no {@code agent} when it names none, no {@code policy}; then its details. */
  static String announcement(String id, DriftAlerter.Announce a, Instant now) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("event", a.kind());
    body.put("timestamp", now.toString());
    if (a.agent() != null) {
      body.put("agent", agent(a.agent(), a.labels()));
    }
    body.put("task", a.task());
    body.putAll(a.details());
    return json(body);
  }

  private static Map<String, Object> envelope(
      String id,
      String kind,
      Instant now,
      String agent,
      Map<String, String> labels,
      String task,
      DriftPolicy policy) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("event", kind);
    body.put("timestamp", now.toString());
    body.put("agent", agent(agent, labels));
    body.put("task", task);
    body.put("policy", policy.hclName());
    return body;
  }

  private static Map<String, Object> agent(String name, Map<String, String> labels) {
    Map<String, Object> who = new LinkedHashMap<>();
    who.put("name", name);
    who.put("labels", new TreeMap<>(labels == null ? Map.of() : labels));
    return who;
  }

  private static String json(Map<String, Object> body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("alert payload is not serialisable", e);
    }
  }
}

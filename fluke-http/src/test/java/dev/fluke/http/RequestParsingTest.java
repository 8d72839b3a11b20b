package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import dev.fluke.api.EventOutcomes;
import dev.fluke.events.EventQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestParsingTest {
  private final ObjectMapper mapper = ApiJson.create();

  @Test
  void reconcileBodiesOfTheThreeFormsAreRead() {
    assertEquals(Dto.ReconcileTarget.ALL, ReconcileRoutes.parse(mapper, "{\"target\":\"all\"}"));
    assertEquals(
        Dto.ReconcileTarget.agent("web-01"),
        ReconcileRoutes.parse(mapper, "{\"target\":\"agent\",\"name\":\"web-01\"}"));
    assertEquals(
        Dto.ReconcileTarget.task("deploy_app"),
        ReconcileRoutes.parse(mapper, " {\"name\":\" deploy_app \", \"target\":\"task\"} "));
    assertEquals(
        Dto.ReconcileTarget.ALL,
        ReconcileRoutes.parse(mapper, "{\"target\":\"all\",\"name\":null}"));
  }

  @Test
  void badReconcileBodiesSayWhatIsWrong() {
    assertMessage("not one valid JSON object", "{\"target\":");
    assertMessage("must be a JSON object", "");
    assertMessage("must be a JSON object", "[\"all\"]");
    assertMessage("\"target\" is missing", "{\"name\":\"web-01\"}");
    assertMessage("\"target\" is missing", "{\"target\":3}");
    assertMessage("unknown target \"host\"", "{\"target\":\"host\",\"name\":\"web-01\"}");
    assertMessage("target \"agent\" needs a \"name\"", "{\"target\":\"agent\"}");
    assertMessage("target \"task\" needs a \"name\"", "{\"target\":\"task\",\"name\":\"  \"}");
    assertMessage("takes no \"name\"", "{\"target\":\"all\",\"name\":\"web-01\"}");
    assertMessage("\"name\" must be a string", "{\"target\":\"agent\",\"name\":[\"a\"]}");
  }

  @Test
  void aReconcileBodyMustBeExactlyOneJsonObjectOfTheKnownProperties() {
    assertMessage("not one valid JSON object", "{\"target\":\"all\"} xyz");
    assertMessage("not one valid JSON object", "{\"target\":\"all\"}{\"target\":\"all\"}");
    assertMessage("not one valid JSON object", "{\"target\":\"all\"} 1");
    assertMessage(
        "not one valid JSON object",
        "{\"target\":\"agent\",\"name\":\"web-01\",\"name\":\"db-01\"}");
    assertMessage("unknown property \"wait\"", "{\"target\":\"all\",\"wait\":true}");
    assertEquals(
        Dto.ReconcileTarget.ALL, ReconcileRoutes.parse(mapper, "\n {\"target\":\"all\"} \r\n\t"));
  }

  private void assertMessage(String expected, String body) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReconcileRoutes.parse(mapper, body));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void eventLimitDefaultsTo50AndGivenMustBeAWholeNumberFrom1To1000() {
    assertEquals(50, EventRoutes.parseLimit(null));
    assertEquals(1, EventRoutes.parseLimit("1"));
    assertEquals(1000, EventRoutes.parseLimit("1000"));
    for (String bad :
        List.of("", " ", "0", "1001", "-5", "+5", "5.0", "1e3", "ten", "99999999999")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> EventRoutes.parseLimit(bad), bad);
      assertTrue(e.getMessage().contains("limit must be"), e.getMessage());
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EventRoutes.parseLimit("ten"));
    assertTrue(e.getMessage().contains("'ten'"), e.getMessage());
  }

  @Test
  void eventFiltersGivenMustHaveAValueAndOutcomesMustBeKnown() {
    assertEquals(new EventQuery(null, null, null, 50), EventRoutes.parse(Map.of()));
    assertEquals(
        new EventQuery("web-01", "motd", "protocol_violation", 7),
        EventRoutes.parse(
            Map.of(
                "agent", "web-01", "task", "motd", "outcome", "protocol_violation", "limit", "7")));
    IllegalArgumentException agent =
        assertThrows(IllegalArgumentException.class, () -> EventRoutes.parse(Map.of("agent", "")));
    assertTrue(agent.getMessage().startsWith("agent must not be empty"), agent.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EventRoutes.parse(Map.of("task", " ")));
    IllegalArgumentException outcome =
        assertThrows(
            IllegalArgumentException.class, () -> EventRoutes.parse(Map.of("outcome", "bogus")));
    assertTrue(outcome.getMessage().contains("'bogus'"), outcome.getMessage());
    for (String known : EventOutcomes.ALL) {
      assertTrue(outcome.getMessage().contains(known), outcome.getMessage());
      assertEquals(known, EventRoutes.parse(Map.of("outcome", known)).outcome());
    }
  }

  @Test
  void queryParametersMustBeKnownAndGivenOnce() {
    List<String> allowed = List.of("agent", "limit");
    assertNull(QueryParams.problem("GET /x", allowed, List.of()));
    assertNull(QueryParams.problem("GET /x", allowed, List.of(Map.entry("agent", "a"))));
    String unknown = QueryParams.problem("GET /x", allowed, List.of(Map.entry("agnet", "a")));
    assertEquals("unknown query parameter 'agnet': GET /x takes agent, limit", unknown);
    assertEquals(
        "unknown query parameter 'filter': GET /y takes none",
        QueryParams.problem("GET /y", List.of(), List.of(Map.entry("filter", ""))));
    String twice =
        QueryParams.problem(
            "GET /x", allowed, List.of(Map.entry("limit", "5"), Map.entry("limit", "6")));
    assertTrue(twice.contains("'limit' is given more than once"), twice);
  }
}

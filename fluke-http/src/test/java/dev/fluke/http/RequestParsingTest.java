package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.Dto;
import org.junit.jupiter.api.Test;

class RequestParsingTest {
  private final ObjectMapper mapper = ApiJson.create();

  @Test
  void reconcileBodiesOfTheThreeFormsAreRead() {
    assertEquals(
        new Dto.ReconcileTarget("all", null),
        ReconcileRoutes.parse(mapper, "{\"target\":\"all\"}"));
    assertEquals(
        new Dto.ReconcileTarget("agent", "web-01"),
        ReconcileRoutes.parse(mapper, "{\"target\":\"agent\",\"name\":\"web-01\"}"));
    assertEquals(
        new Dto.ReconcileTarget("task", "deploy_app"),
        ReconcileRoutes.parse(mapper, " {\"name\":\" deploy_app \", \"target\":\"task\"} "));
    assertEquals(
        new Dto.ReconcileTarget("all", null),
        ReconcileRoutes.parse(mapper, "{\"target\":\"all\",\"name\":null}"));
  }

  @Test
  void badReconcileBodiesSayWhatIsWrong() {
    assertMessage("not valid JSON", "{\"target\":");
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

  private void assertMessage(String expected, String body) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReconcileRoutes.parse(mapper, body));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void eventLimitDefaultsTo50AndMustBeFrom1To1000() {
    assertEquals(50, EventRoutes.parseLimit(null));
    assertEquals(50, EventRoutes.parseLimit(""));
    assertEquals(1, EventRoutes.parseLimit("1"));
    assertEquals(1000, EventRoutes.parseLimit("1000"));
    assertThrows(IllegalArgumentException.class, () -> EventRoutes.parseLimit("0"));
    assertThrows(IllegalArgumentException.class, () -> EventRoutes.parseLimit("1001"));
    assertThrows(IllegalArgumentException.class, () -> EventRoutes.parseLimit("-5"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EventRoutes.parseLimit("ten"));
    assertTrue(e.getMessage().contains("'ten'"), e.getMessage());
  }
}

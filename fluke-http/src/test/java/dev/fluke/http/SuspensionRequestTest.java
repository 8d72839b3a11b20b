package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.TargetKind;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The suspend body, the reconcile body's force, and who the caller is for the record. */
class SuspensionRequestTest {
  private final ObjectMapper mapper = ApiJson.create();

  @Test
  void aSuspendBodyNamesScopeReasonAndExpiry() {
    SuspensionRoutes.Request r =
        SuspensionRoutes.parse(
            mapper,
            "{\"target\":\"task\",\"name\":\"app\",\"reason\":\"db migration\",\"for\":\"2h\",\"by\":\"alice\"}");
    assertEquals(TargetKind.TASK, r.scope());
    assertEquals("app", r.name());
    assertEquals("db migration", r.reason());
    assertEquals(Duration.ofHours(2), r.forHowLong());
    assertEquals("alice", r.by());
    SuspensionRoutes.Request all =
        SuspensionRoutes.parse(mapper, "{\"target\":\"all\",\"reason\":\"freeze\"}");
    assertEquals(TargetKind.ALL, all.scope());
    assertNull(all.name());
    assertNull(all.forHowLong());
  }

  private void refused(String part, String body) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SuspensionRoutes.parse(mapper, body));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  @Test
  void badSuspendBodiesSayWhatIsWrong() {
    refused("\"reason\" is required", "{\"target\":\"task\",\"name\":\"app\"}");
    refused("\"reason\" is required", "{\"target\":\"task\",\"name\":\"app\",\"reason\":\"  \"}");
    refused("needs a \"name\"", "{\"target\":\"agent\",\"reason\":\"x\"}");
    refused("takes no \"name\"", "{\"target\":\"all\",\"name\":\"web\",\"reason\":\"x\"}");
    refused("unknown target \"host\"", "{\"target\":\"host\",\"name\":\"a\",\"reason\":\"x\"}");
    refused("bad \"for\"", "{\"target\":\"all\",\"reason\":\"x\",\"for\":\"soon\"}");
    refused("longer than zero", "{\"target\":\"all\",\"reason\":\"x\",\"for\":\"0s\"}");
    refused("unknown property \"until\"", "{\"target\":\"all\",\"reason\":\"x\",\"until\":\"1\"}");
    refused("must be a string", "{\"target\":\"all\",\"reason\":3}");
    refused("must be a JSON object", "");
  }

  @Test
  void aReconcileBodyMayForce() {
    assertTrue(ReconcileRoutes.force(mapper, "{\"target\":\"all\",\"force\":true}"));
    assertFalse(ReconcileRoutes.force(mapper, "{\"target\":\"all\"}"));
    assertEquals(
        dev.fluke.api.Dto.ReconcileTarget.task("app"),
        ReconcileRoutes.parse(mapper, "{\"target\":\"task\",\"name\":\"app\",\"force\":false}"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReconcileRoutes.force(mapper, "{\"target\":\"all\",\"force\":\"yes\"}"));
    assertTrue(e.getMessage().contains("true or false"), e.getMessage());
  }

  @Test
  void theCallerIsTheTokensShortDigestOrLocal() {
    ApiErrors errors = new ApiErrors(mapper);
    ApiAuth open = new ApiAuth(Set.of(), errors);
    assertEquals("local", open.identityOf(Optional.empty()));
    ApiAuth tokens = new ApiAuth(Set.of("secret-1", "secret-2"), errors);
    String one = tokens.identityOf(Optional.of("Bearer secret-1"));
    String two = tokens.identityOf(Optional.of("Bearer secret-2"));
    assertTrue(one.matches("token:[0-9a-f]{8}"), one);
    assertFalse(one.equals(two), "tokens are told apart");
    assertFalse(one.contains("secret"), "the token itself is never shown");
  }
}

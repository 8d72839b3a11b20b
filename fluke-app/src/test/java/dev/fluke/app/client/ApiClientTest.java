package dev.fluke.app.client;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiClientTest {
  @Test
  void serverComesFromTheOptionThenTheEnvironmentThenTheDefault() {
    assertEquals(
        "http://localhost:7071", ApiClient.fromOptions(null, null, Map.of()).server().toString());
    assertEquals(
        "http://control:7071",
        ApiClient.fromOptions(null, null, Map.of("FLUKE_SERVER", "http://control:7071"))
            .server()
            .toString());
    assertEquals(
        "https://other:443",
        ApiClient.fromOptions(
                "https://other:443", null, Map.of("FLUKE_SERVER", "http://control:7071"))
            .server()
            .toString());
    assertEquals(
        "http://localhost:7071",
        ApiClient.fromOptions(" ", null, Map.of("FLUKE_SERVER", "")).server().toString());
  }

  @Test
  void tokenComesFromTheOptionThenTheEnvironment() {
    assertFalse(ApiClient.fromOptions(null, null, Map.of()).hasToken());
    assertTrue(ApiClient.fromOptions(null, null, Map.of("FLUKE_API_TOKEN", "t")).hasToken());
    assertTrue(ApiClient.fromOptions(null, "t", Map.of()).hasToken());
    assertFalse(ApiClient.fromOptions(null, "  ", Map.of()).hasToken());
  }

  @Test
  void serverUrlsAreNormalised() {
    assertEquals("http://control:7071", client("control:7071"));
    assertEquals("http://control:7071", client("http://control:7071///"));
    assertEquals("https://ops.example.org/fluke", client("https://ops.example.org/fluke/"));
  }

  @Test
  void badServerUrlsAreRefusedWithAnExample() {
    for (String bad :
        new String[] {
          "", "ftp://control", "http://", "http://control:7071/?x=1", "http://con trol"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> client(bad), bad);
      assertFalse(e.getMessage().isBlank());
    }
  }

  private static String client(String server) {
    return new ApiClient(server, null, Duration.ofSeconds(1)).server().toString();
  }
}

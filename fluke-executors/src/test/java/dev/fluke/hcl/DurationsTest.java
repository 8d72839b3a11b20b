package dev.fluke.hcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "90s, PT1M30S",
    "5m, PT5M",
    "1h30m, PT1H30M",
    "168h, PT168H",
    "500ms, PT0.5S",
    "1.5h, PT1H30M",
    "1m0.25s, PT1M0.25S",
    "10us, PT0.00001S",
    "7ns, PT0.000000007S",
    "0, PT0S",
    "0s, PT0S",
    "2d, PT48H",
    "1d12h, PT36H"
  })
  void parsesGoDurations(String text, String iso) {
    assertEquals(Duration.parse(iso), Durations.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "90", "5 m", "5min", "-5s", "+5s", "1w", "5M", "h", "1h 30m", "s5"})
  void rejectsWhatIsNotAGoDuration(String text) {
    assertFalse(Durations.isValid(text));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
  }

  @Test
  void explainsTheExpectedForm() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
    assertEquals(
        "\"5 minutes\" is not a duration such as \"90s\", \"5m\", \"1h30m\" or \"500ms\""
            + " (units: ns, us, ms, s, m, h, d)",
        e.getMessage());
  }

  @ParameterizedTest(name = "{0} prints as {1}")
  @CsvSource({
    "PT1H30M, 1h30m",
    "PT0.5S, 500ms",
    "PT60S, 1m",
    "PT90S, 1m30s",
    "PT0S, 0s",
    "PT168H, 168h",
    "PT1.5S, 1.5s",
    "PT1H0.25S, 1h0.25s"
  })
  void printsWhatItReadsWithoutZeroParts(String iso, String text) {
    Duration d = Duration.parse(iso);
    assertEquals(text, Durations.format(d));
    assertEquals(d, Durations.parse(text), "what is printed reads back");
  }
}

package dev.fluke.http.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.api.EventOutcomes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The web UI's outcome filter offers exactly the outcomes the API accepts. */
class UiOutcomesTest {
  @Test
  void theUiOffersEveryOutcomeTheApiAcceptsAndNoOther() throws IOException {
    String js;
    try (InputStream in = getClass().getResourceAsStream("/fluke-ui/app.js")) {
      js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher list = Pattern.compile("const OUTCOMES = \\[([^\\]]*)\\]").matcher(js);
    if (!list.find()) {
      throw new AssertionError("app.js has no OUTCOMES list");
    }
    List<String> ui = new ArrayList<>();
    Matcher word = Pattern.compile("'([a-z_]+)'").matcher(list.group(1));
    while (word.find()) {
      ui.add(word.group(1));
    }
    assertEquals(EventOutcomes.ALL, ui);
  }
}

package dev.fluke.app.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMDCAdapter;

class PlainLoggerFactoryTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final BasicMDCAdapter mdc = new BasicMDCAdapter();
  private final PlainLoggerFactory factory =
      new PlainLoggerFactory(
          mdc,
          () -> new PrintStream(out, true, StandardCharsets.UTF_8),
          () -> new PrintStream(err, true, StandardCharsets.UTF_8));

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void untilConfiguredOnlyWarningsAndErrorsGoToStderr() {
    Logger log = factory.getLogger("dev.fluke.app.Main");
    log.info("not shown");
    log.warn("shown {}", 1);
    assertEquals("", out());
    assertFalse(err().contains("not shown"), err());
    assertTrue(
        err().matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  dev.fluke.app.Main - shown 1\n"), err());
  }

  @Test
  void theConfiguredLevelAndFormatGoToStdoutForLoggersMadeBeforeAndAfter() {
    Logger before = factory.getLogger("dev.fluke.agent.Agent");
    factory.configure("debug", "text");
    Logger after = factory.getLogger("dev.fluke.agent.ServerLink");
    before.debug("one");
    after.trace("hidden");
    after.info("two {} {}", "a", 2);
    assertEquals("", err());
    String[] lines = out().split("\n");
    assertEquals(2, lines.length, out());
    assertTrue(
        lines[0].matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z DEBUG dev.fluke.agent.Agent - one"),
        lines[0]);
    assertTrue(lines[1].endsWith(" INFO  d.fluke.agent.ServerLink - two a 2"), lines[1]);
  }

  @Test
  void jgitAndNettyStayAtInfoUnlessTraceIsAsked() {
    factory.configure("debug", "text");
    assertFalse(factory.getLogger("org.eclipse.jgit.transport.Transport").isDebugEnabled());
    assertFalse(factory.getLogger("io.grpc.netty.shaded.io.netty.Bootstrap").isDebugEnabled());
    assertTrue(factory.getLogger("org.eclipse.jgitx.Other").isDebugEnabled());
    assertTrue(factory.getLogger("dev.fluke.agent.Agent").isDebugEnabled());
    factory.configure("trace", "text");
    assertTrue(factory.getLogger("org.eclipse.jgit.transport.Transport").isTraceEnabled());
    factory.configure("error", "text");
    assertFalse(factory.getLogger("org.eclipse.jgit.transport.Transport").isWarnEnabled());
    assertTrue(factory.getLogger("org.eclipse.jgit.transport.Transport").isErrorEnabled());
  }

  @Test
  void jsonLinesCarryTheMdcAndTheThrowable() {
    factory.configure("info", "json");
    mdc.put("pekkoSource", "fluke-agent");
    factory.getLogger("x").warn("failed {}", "here", new IllegalStateException("boom"));
    mdc.clear();
    String line = out();
    assertTrue(line.startsWith("{\"timestamp\":"), line);
    assertTrue(line.contains("\"level\":\"WARN\""), line);
    assertTrue(line.contains("\"mdc\": {\"pekkoSource\":\"fluke-agent\"}"), line);
    assertTrue(line.contains("\"formattedMessage\":\"failed here\""), line);
    assertTrue(
        line.contains("\"throwable\":{\"className\":\"java.lang.IllegalStateException\""), line);
    assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, line);
  }
}

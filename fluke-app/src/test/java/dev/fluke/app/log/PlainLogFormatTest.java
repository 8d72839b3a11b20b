package dev.fluke.app.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.MessageFormatter;

/** The agent's lines are Logback's lines: each case is encoded by both and compared. */
class PlainLogFormatTest {
  private final LoggerContext ctx = new LoggerContext();

  @Test
  void textLinesAreLogbacksPatternLines() {
    PatternLayoutEncoder logback =
        pattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{24} - %msg%n");
    for (Case c : cases()) {
      assertEquals(logback(logback, c), PlainLogFormat.text(c.event()), c.toString());
    }
  }

  @Test
  void startupLinesAreLogbacksDefaultsLines() {
    PatternLayoutEncoder logback = pattern("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
    for (Case c : cases()) {
      assertEquals(logback(logback, c), PlainLogFormat.startup(c.event()), c.toString());
    }
  }

  @Test
  void jsonLinesAreLogbacksJsonEncoderLines() {
    JsonEncoder logback = new JsonEncoder();
    logback.setContext(ctx);
    logback.setWithSequenceNumber(false);
    logback.setWithNanoseconds(false);
    logback.setWithArguments(false);
    logback.setWithContext(false);
    logback.setWithFormattedMessage(true);
    logback.start();
    for (Case c : cases()) {
      assertEquals(logback(logback, c), PlainLogFormat.json(c.event()), c.toString());
    }
  }

  @Test
  void loggerNamesAreAbbreviatedAsLogbackDoes() {
    assertEquals(
        "d.fluke.agent.ServerLink", PlainLogFormat.abbreviate("dev.fluke.agent.ServerLink", 24));
    assertEquals(
        "i.g.n.s.i.n.u.i.PlatformDependent",
        PlainLogFormat.abbreviate(
            "io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent", 24));
    assertEquals("a.b.C", PlainLogFormat.abbreviate("a.b.C", 24));
  }

  private record Case(
      String logger,
      org.slf4j.event.Level level,
      String pattern,
      Object[] args,
      Throwable throwable,
      Map<String, String> mdc) {
    PlainLogFormat.Event event() {
      return new PlainLogFormat.Event(
          1_764_941_234_567L,
          level,
          "fluke-agent-pekko.actor.default-dispatcher-3",
          logger,
          pattern,
          MessageFormatter.basicArrayFormat(pattern, args),
          mdc,
          throwable);
    }

    @Override
    public String toString() {
      return logger + " " + level + " " + pattern;
    }
  }

  private static List<Case> cases() {
    Map<String, String> mdc = new LinkedHashMap<>();
    mdc.put("pekkoSource", "pekko://fluke-agent/user/agent");
    mdc.put("sourceThread", "main \"1\"");
    List<String> names =
        List.of(
            "a.b.C",
            "dev.fluke.agent.ServerLink",
            "io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent",
            "abcdefghijklmnopqrstuvwxyz0123",
            "x.abcdefghijklmnopqrstuvwxyz0123",
            "aaaa.bbbb.cccc.dddd.eeee.ffff",
            "org.apache.pekko.actor.CoordinatedShutdown",
            ".a.b");
    List<Case> cases = new java.util.ArrayList<>();
    for (String n : names) {
      cases.add(
          new Case(
              n,
              org.slf4j.event.Level.INFO,
              "started {} with {}",
              new Object[] {"x", 3},
              null,
              Map.of()));
    }
    cases.add(
        new Case(
            "dev.fluke.agent.Agent",
            org.slf4j.event.Level.WARN,
            "quotes \" back\\slash / tab\t newline\n ctrl \u0001\u001f umlaut ü {}",
            new Object[] {"arg"},
            null,
            mdc));
    cases.add(new Case("x", org.slf4j.event.Level.ERROR, null, null, null, Map.of()));
    cases.add(new Case("x", org.slf4j.event.Level.DEBUG, "fail", null, chain(), mdc));
    cases.add(new Case("x", org.slf4j.event.Level.TRACE, "fail", null, allCommon(), Map.of()));
    return cases;
  }

  private static Throwable chain() {
    Exception t = new IllegalStateException(null, new RuntimeException("c1", new Error("c2")));
    t.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("A", "m", "A.java", 1),
          new StackTraceElement("B", "n", null, -1),
          new StackTraceElement("E", "n", null, -2)
        });
    t.getCause()
        .setStackTrace(
            new StackTraceElement[] {
              new StackTraceElement("C", "m", "C.java", 3),
              new StackTraceElement("B", "n", null, -1),
              new StackTraceElement("E", "n", null, -2)
            });
    t.getCause().getCause().setStackTrace(new StackTraceElement[0]);
    Exception s = new Exception("sup \"q\"");
    s.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("D", "m", "D.java", 3), new StackTraceElement("E", "n", null, -2)
        });
    t.addSuppressed(s);
    return t;
  }

  private static Throwable allCommon() {
    StackTraceElement[] frames = {new StackTraceElement("A", "m", "A.java", 1)};
    Exception t = new IllegalStateException("outer", new RuntimeException("inner"));
    t.setStackTrace(frames);
    t.getCause().setStackTrace(frames.clone());
    return t;
  }

  private PatternLayoutEncoder pattern(String pattern) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern(pattern);
    encoder.start();
    return encoder;
  }

  private String logback(
      ch.qos.logback.core.encoder.Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder,
      Case c) {
    LoggingEvent e =
        new LoggingEvent(
            "x",
            ctx.getLogger(c.logger()),
            Level.toLevel(c.level().name()),
            c.pattern(),
            c.throwable(),
            c.args());
    e.setTimeStamp(1_764_941_234_567L);
    e.setThreadName("fluke-agent-pekko.actor.default-dispatcher-3");
    e.setMDCPropertyMap(c.mdc());
    return new String(encoder.encode(e), StandardCharsets.UTF_8);
  }
}

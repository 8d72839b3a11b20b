package dev.fluke.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.fluke.config.LogConfig;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log { level, format }} of server.hcl / agent.hcl to logback at start-up: one
 * console appender on stdout, either human text or one JSON object per line for log shippers.
 */
public final class LogSetup {
  private LogSetup() {}

  public static void apply(LogConfig config) {
    apply(config.level().name(), config.format().name().toLowerCase(Locale.ROOT));
  }

  public static void apply(String level, String format) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();

    Encoder<ILoggingEvent> encoder;
    if ("json".equals(format)) {
      JsonEncoder json = new JsonEncoder();
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithArguments(false);
      json.setWithContext(false);
      encoder = json;
    } else {
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{24} - %msg%n");
      encoder = text;
    }
    encoder.setContext(ctx);
    encoder.start();

    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(ctx);
    console.setName("console");
    console.setEncoder(encoder);
    console.start();
    root.addAppender(console);
    root.setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO));
    // JGit and Netty are chatty at debug; keep them at info unless asked for trace.
    if (!"trace".equalsIgnoreCase(level)) {
      ctx.getLogger("org.eclipse.jgit").setLevel(Level.INFO);
      ctx.getLogger("io.grpc.netty").setLevel(Level.INFO);
    }
  }
}

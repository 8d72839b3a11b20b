package dev.fluke.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.fluke.config.LogConfig;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log { level, format }} of server.hcl / agent.hcl to logback at start-up: one
 * console appender on stdout, either human text or one JSON object per line for log shippers.
 *
 * <p>Until then (and in commands that log at all without a config file), {@link Defaults} is
 * logback's configuration: warnings only, on stderr, set up in code, so no XML configuration is
 * read and no XML parser is loaded.
 */
public final class LogSetup {
  private LogSetup() {}

  public static void apply(LogConfig config) {
    apply(config.level().name(), config.format().name().toLowerCase(Locale.ROOT));
  }

  public static void apply(String level, String format) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Encoder<ILoggingEvent> encoder;
    if ("json".equals(format)) {
      JsonEncoder json = new JsonEncoder();
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithArguments(false);
      json.setWithContext(false);
      // the message with its arguments filled in (Logback's "message" is the pattern alone)
      json.setWithFormattedMessage(true);
      encoder = json;
    } else {
      encoder = pattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{24} - %msg%n");
    }
    Logger root = console(ctx, encoder, "System.out");
    root.setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO));
    // JGit and Netty are chatty at debug; keep them at info unless asked for trace.
    if (!"trace".equalsIgnoreCase(level)) {
      ctx.getLogger("org.eclipse.jgit").setLevel(Level.INFO);
      ctx.getLogger("io.grpc.netty").setLevel(Level.INFO);
    }
  }

  private static PatternLayoutEncoder pattern(String pattern) {
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setPattern(pattern);
    return text;
  }

  /** Makes one console appender on {@code target} the root logger's only one; returns the root. */
  private static Logger console(LoggerContext ctx, Encoder<ILoggingEvent> encoder, String target) {
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    encoder.setContext(ctx);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(ctx);
    console.setName("console");
    console.setTarget(target);
    console.setEncoder(encoder);
    console.start();
    root.addAppender(console);
    return root;
  }

  /**
   * Logback's configuration before {@link #apply} (found through {@code
   * META-INF/services/ch.qos.logback.classic.spi.Configurator}): warnings and errors on stderr.
   * Steps aside for an explicit {@code -Dlogback.configurationFile=...} and for the tests' {@code
   * logback-test.xml}, which logback's own XML configurator then reads.
   */
  @ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
  public static final class Defaults extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
      if (System.getProperty("logback.configurationFile") != null
          || Defaults.class.getClassLoader().getResource("logback-test.xml") != null) {
        return ExecutionStatus.NEUTRAL;
      }
      warningsOnStderr(ctx);
      return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static void warningsOnStderr(LoggerContext ctx) {
      console(ctx, pattern("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n"), "System.err")
          .setLevel(Level.WARN);
    }
  }
}

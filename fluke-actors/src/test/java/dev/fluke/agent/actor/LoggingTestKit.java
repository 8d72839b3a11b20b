package dev.fluke.agent.actor;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Expects a log line while some code runs (Pekko's LoggingTestKit's names): {@code
 * LoggingTestKit.info("Cycle 5 cancelled").expect(system, () -> ...)} runs the code and fails
 * unless a matching line is logged within the leeway (15 s: a loaded machine).
 */
public final class LoggingTestKit {
  private static final Duration LEEWAY = Duration.ofSeconds(15);

  /** A logged line, as a filter sees it. */
  public record Event(Level level, String loggerName, String message) {}

  private final List<Predicate<Event>> filters;

  private LoggingTestKit(List<Predicate<Event>> filters) {
    this.filters = List.copyOf(filters);
  }

  public static LoggingTestKit empty() {
    return new LoggingTestKit(List.of());
  }

  public static LoggingTestKit info(String contains) {
    return empty().withLogLevel(Level.INFO).withMessageContains(contains);
  }

  public static LoggingTestKit warn(String contains) {
    return empty().withLogLevel(Level.WARN).withMessageContains(contains);
  }

  public static LoggingTestKit error(String contains) {
    return empty().withLogLevel(Level.ERROR).withMessageContains(contains);
  }

  public LoggingTestKit withLogLevel(Level level) {
    return with(e -> e.level().equals(level));
  }

  public LoggingTestKit withMessageContains(String part) {
    return with(e -> e.message() != null && e.message().contains(part));
  }

  public LoggingTestKit withMessageRegex(String regex) {
    Pattern p = Pattern.compile(regex);
    return with(e -> e.message() != null && p.matcher(e.message()).matches());
  }

  public LoggingTestKit withLoggerName(String name) {
    return with(e -> name.equals(e.loggerName()));
  }

  /** Called with each line the other filters let through, in the order logged. */
  public LoggingTestKit withCustom(Predicate<Event> custom) {
    return with(custom);
  }

  private LoggingTestKit with(Predicate<Event> filter) {
    List<Predicate<Event>> more = new ArrayList<>(filters);
    more.add(filter);
    return new LoggingTestKit(more);
  }

  /**
   * Runs {@code code} and waits (up to the leeway) for a matching line; returns what it returned.
   */
  public <T> T expect(Actors system, Supplier<T> code) {
    CountDownLatch seen = new CountDownLatch(1);
    AppenderBase<ILoggingEvent> appender =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent e) {
            Event event = new Event(e.getLevel(), e.getLoggerName(), e.getFormattedMessage());
            if (seen.getCount() > 0 && filters.stream().allMatch(f -> f.test(event))) {
              seen.countDown();
            }
          }
        };
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
    try {
      T result = code.get();
      if (!seen.await(LEEWAY.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("no matching log line within " + LEEWAY.toSeconds() + " s");
      }
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } finally {
      root.detachAppender(appender);
      appender.stop();
    }
  }
}

package dev.fluke.app.log;

import org.slf4j.Marker;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One named logger of {@link PlainLoggerFactory}: its level, and a line per event it lets through.
 */
public final class PlainLogger extends AbstractLogger {
  private static final long serialVersionUID = 1L;

  /** SLF4J's levels, least severe first. */
  public enum Level {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR
  }

  private final transient PlainLoggerFactory factory;
  private volatile Level level;

  PlainLogger(PlainLoggerFactory factory, String name, Level level) {
    this.factory = factory;
    this.name = name;
    this.level = level;
  }

  void setLevel(Level level) {
    this.level = level;
  }

  /** The least severe level this logger writes. */
  public Level level() {
    return level;
  }

  private boolean enabled(Level l) {
    return l.compareTo(level) >= 0;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isTraceEnabled(Marker marker) {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isDebugEnabled(Marker marker) {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isInfoEnabled(Marker marker) {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isWarnEnabled(Marker marker) {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  public boolean isErrorEnabled(Marker marker) {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      org.slf4j.event.Level slf4jLevel,
      Marker marker,
      String messagePattern,
      Object[] arguments,
      Throwable throwable) {
    Level l = Level.valueOf(slf4jLevel.name());
    if (!enabled(l)) {
      return;
    }
    Throwable t = throwable;
    if (t == null) {
      t = MessageFormatter.getThrowableCandidate(arguments);
      if (t != null) {
        arguments = MessageFormatter.trimmedCopy(arguments);
      }
    }
    String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
    factory.write(
        new PlainLogFormat.Event(
            System.currentTimeMillis(),
            l,
            Thread.currentThread().getName(),
            name,
            messagePattern,
            message,
            factory.mdc(),
            t));
  }
}

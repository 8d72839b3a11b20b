package dev.fluke.app.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One named logger of {@link PlainLoggerFactory}: its level (SLF4J's own {@link Level}), and a line
 * per event it lets through. Markers are ignored, as {@link LegacyAbstractLogger} does.
 */
public final class PlainLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

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
    return l.toInt() >= level.toInt();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level l, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
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
